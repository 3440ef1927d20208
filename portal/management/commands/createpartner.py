"""python manage.py createpartner "Acme Bookings" --integration appointments --admin ana@acme.example"""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from accounts.validators import validate_email_address, validate_no_format_characters
from contacts.services import partner_create
from partners.integrations import INTEGRATION_KINDS
from partners.models import Partner, region_choices
from partners.services import MembershipError, password_set_path


class Command(BaseCommand):
    help = "Create a partner and its first Admin, and print a one-time link to set the Admin's password."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The partner's name, e.g. 'Acme Bookings'.")
        parser.add_argument("--integration", required=True, choices=sorted(INTEGRATION_KINDS), help="Integration kind.")
        parser.add_argument("--admin", required=True, metavar="EMAIL", help="Email of the partner's first Admin.")
        parser.add_argument("--admin-name", default="", help="The Admin's name.")
        parser.add_argument("--password", help="Set this password instead of printing a link (scripted set-ups).")
        parser.add_argument("--phone-region", default="US", help="Default region for phone numbers (ISO code).")
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="Where the portal is served, for the printed link."
        )

    def handle(self, *args, name, integration, admin, admin_name, password, phone_region, base_url, **options):
        name = name.strip()
        if not name:
            raise CommandError("The partner needs a name.")
        if len(name) > Partner._meta.get_field("name").max_length:
            raise CommandError("The partner's name is too long (200 characters at most).")
        for value in (name, admin_name):
            try:
                validate_no_format_characters(value)
            except ValidationError as error:
                raise CommandError(f"{value!r}: {' '.join(error.messages)}") from None
        try:
            validate_email(admin.strip())
            validate_email_address(admin.strip())
        except ValidationError:
            raise CommandError(f"{admin!r} is not a valid email address.") from None
        phone_region = phone_region.upper()
        if phone_region not in dict(region_choices()):
            raise CommandError(f"{phone_region!r} is not a phone region; use an ISO code such as US or ES.")
        if password is not None:
            try:
                validate_password(password)
            except ValidationError as error:
                raise CommandError("The password is too weak: " + " ".join(error.messages)) from None
        try:
            partner, user, created = partner_create(
                name=name,
                integration=integration,
                admin_email=admin,
                admin_name=admin_name,
                admin_password=password,
                phone_region=phone_region,
            )
        except MembershipError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Created partner {partner.name!r} (id {partner.pk})."))
        who = "new user" if created else "existing user"
        self.stdout.write(f"Admin: {user.email} ({who}).")
        if password is None:
            self.stdout.write(f"Set a password (one use): {base_url.rstrip('/')}{password_set_path(user)}")
