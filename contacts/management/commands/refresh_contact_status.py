"""python manage.py refresh_contact_status: recompute every partner's stored completeness answer."""

from django.core.management.base import BaseCommand
from django.db import transaction

from contacts.services import contact_information_for, contact_status_refresh
from contacts.verification import verification_sync
from partners.models import Partner
from partners.services import lock_partner


class Command(BaseCommand):
    help = (
        "Recompute what each partner's contact information still lacks and store it for the gate, and ask every "
        "contact address not yet asked to confirm itself. "
        "Idempotent; run it after every deploy's migrate, since rules and integration kinds live in code."
    )

    def handle(self, *args, **options):
        changed = 0
        total = 0
        for partner_id in Partner.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=500):
            with transaction.atomic():
                # Under the partner's lock, like every save: never computed from rows a save is replacing.
                partner = lock_partner(partner_id)
                # Addresses saved before verification existed are asked to confirm themselves now (once each).
                verification_sync(info=contact_information_for(partner))
                changed += contact_status_refresh(partner=partner)
            total += 1
        self.stdout.write(f"Checked {total} partner{'' if total == 1 else 's'}; {changed} changed.")
