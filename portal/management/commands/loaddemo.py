"""Demo data for `make run`: a partner with incomplete contact information and its Admin, and an operator who
can try the Django admin (disable the integration, send a notification). Safe to re-run."""

from django.core.management.base import BaseCommand

from accounts.models import User
from contacts.services import partner_create
from partners.models import Partner

DEMO_PARTNER = "Acme Bookings"
DEMO_EMAIL = "admin@acme.example"
DEMO_OPERATOR = "operator@portal.example"
DEMO_PASSWORD = "portal-demo-2026"


class Command(BaseCommand):
    help = "Create a demo partner, its Admin and an operator if they do not exist yet, and print how to sign in."

    def handle(self, *args, **options):
        if not Partner.objects.filter(name=DEMO_PARTNER).exists():
            partner_create(
                name=DEMO_PARTNER,
                integration="reservations",
                admin_email=DEMO_EMAIL,
                admin_name="Ana Admin",
                admin_password=DEMO_PASSWORD,
                phone_region="US",
            )
            self.stdout.write(self.style.SUCCESS(f"Created the demo partner {DEMO_PARTNER!r}."))
        if not User.objects.filter(email=DEMO_OPERATOR).exists():
            User.objects.create_superuser(email=DEMO_OPERATOR, password=DEMO_PASSWORD, name="Olga Operator")
            self.stdout.write(self.style.SUCCESS(f"Created the demo operator {DEMO_OPERATOR!r}."))
        if User.objects.filter(email=DEMO_EMAIL).exists():
            self.stdout.write(f"Sign in at http://127.0.0.1:8000/ as {DEMO_EMAIL} with the password {DEMO_PASSWORD}")
        self.stdout.write(
            f"Operators: http://127.0.0.1:8000/admin/ as {DEMO_OPERATOR} with the same password. Emails the worker "
            "sends are printed on this console."
        )
