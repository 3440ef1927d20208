"""python manage.py contact_reviews: once a day, move what passed its deadline and remind Admins of reviews due."""

from django.core.management.base import BaseCommand

from contacts.reviews import contact_reviews_run


class Command(BaseCommand):
    help = (
        "Store the requirements of every partner whose answer changed with time (a deadline passed, a review came "
        "due) and email the Admins the yearly review's reminders. Idempotent: schedule it daily."
    )

    def handle(self, *args, **options):
        checked, changed, reminded = contact_reviews_run()
        self.stdout.write(f"Checked {checked} partner(s); {changed} changed; {reminded} reminded.")
