"""python manage.py refresh_contact_status: recompute every partner's stored completeness answer."""

from django.core.management.base import BaseCommand
from django.db import transaction

from contacts.services import contact_status_refresh
from partners.models import Partner


class Command(BaseCommand):
    help = (
        "Recompute what each partner's contact information still lacks and store it for the gate. "
        "Idempotent; run it after every deploy's migrate, since rules and integration kinds live in code."
    )

    def handle(self, *args, **options):
        changed = 0
        total = 0
        for partner in Partner.objects.order_by("pk").iterator(chunk_size=500):
            with transaction.atomic():
                changed += contact_status_refresh(partner=partner)
            total += 1
        self.stdout.write(f"Checked {total} partner{'' if total == 1 else 's'}; {changed} changed.")
