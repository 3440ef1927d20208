"""python manage.py createapikey PARTNER_ID --name "Nightly sync" --scope write  (the key alone on the last line)"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.validators import validate_no_format_characters
from contacts.api.models import APIKey
from contacts.api.services import APIKeyError, api_key_create
from partners.models import Partner

# How the activity log names a key made here: partners.models.named_actor_display reads it as "An operator".
LABEL = "operator:"


class Command(BaseCommand):
    help = "Create an API key for a partner and print it, alone on the last line: it is shown only this once."

    def add_arguments(self, parser):
        parser.add_argument("partner_id", type=int, help="The partner's id (the Django admin shows it).")
        parser.add_argument("--name", required=True, help="What uses the key, e.g. 'Nightly sync'.")
        parser.add_argument("--scope", choices=APIKey.Scope.values, default=APIKey.Scope.READ, help="Default: read.")
        parser.add_argument("--rate-limit", type=int, metavar="N", help="Requests a minute (default: the usual).")

    def handle(self, *args, partner_id, name, scope, rate_limit, **options):
        partner = Partner.objects.filter(pk=partner_id).first()
        if partner is None:
            raise CommandError(f"No partner has id {partner_id}: the Django admin lists partners with their ids.")
        name = name.strip()
        if not name:
            raise CommandError("The key needs a name.")
        if len(name) > APIKey._meta.get_field("name").max_length:
            raise CommandError("The key's name is too long (100 characters at most).")
        try:
            validate_no_format_characters(name)
        except ValidationError as error:
            raise CommandError(f"{name!r}: {' '.join(error.messages)}") from None
        if rate_limit is not None and rate_limit < 1:
            raise CommandError("The rate limit is a number of requests a minute, 1 or more.")
        try:
            key, text = api_key_create(partner=partner, name=name, scope=scope, label=LABEL, rate_limit=rate_limit)
        except APIKeyError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Created the {key.scope} key {key.name!r} for {partner.name} (id {partner.pk}), "
            f"{key.rate_limit} requests a minute. It is shown once, here:"
        )
        self.stdout.write(text)
