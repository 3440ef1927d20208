"""How other systems raise a notification: `manage.py notify PARTNER alert --subject … --body …`."""

from django.core.management.base import BaseCommand, CommandError

from contacts.notifications.services import notify
from contacts.routing import NotificationKind, RoutingError
from partners.environments import Environment
from partners.models import Partner


class Command(BaseCommand):
    help = "Notify a partner's contacts: an alert, an emergency, an announcement or a merchant issue."

    def add_arguments(self, parser):
        parser.add_argument("partner", help="The partner's id, or its exact name.")
        parser.add_argument("kind", choices=NotificationKind.values)
        parser.add_argument("--subject", required=True)
        parser.add_argument("--body", required=True)
        parser.add_argument("--environment", choices=Environment.values, default=Environment.PRODUCTION)
        parser.add_argument(
            "--source", default="Monitoring", help="Who raised it, as the partner reads it (default: Monitoring)."
        )
        parser.add_argument("--key", default=None, help="An idempotency key: a repeated call sends nothing more.")

    def handle(self, *args, partner, kind, subject, body, environment, source, key, **options):
        found = Partner.objects.filter(pk=int(partner)) if partner.isdigit() else Partner.objects.filter(name=partner)
        target = found.first()
        if target is None:
            raise CommandError(f"No partner {partner!r}.")
        if not subject.strip():
            raise CommandError("The subject may not be empty.")
        if key is not None and not 0 < len(key) <= 64:
            raise CommandError("An idempotency key has 1 to 64 characters.")
        try:
            notification = notify(
                partner=target,
                kind=kind,
                subject=subject.strip(),
                body=body,
                environment=environment,
                label=source,
                idempotency_key=key,
            )
        except RoutingError as error:
            raise CommandError(str(error)) from error
        count = notification.deliveries.count()
        if notification.nobody_reached:
            self.stdout.write(
                f"Notification {notification.pk}: nobody at {target} could be reached; the operators were told."
            )
        else:
            self.stdout.write(
                f"Notification {notification.pk} queued for {count} recipient{'s' if count != 1 else ''}."
            )
