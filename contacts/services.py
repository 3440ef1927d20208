"""Writes to contact information: saving the form, and keeping the partner's stored completeness current."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from contacts.completeness import missing_codes
from contacts.models import ContactInformation
from portal.environments import Environment
from portal.models import Activity


class ContactInformationConflict(Exception):
    """The form was filled from a version someone else has since replaced."""

    def __init__(self, current_version):
        super().__init__(f"contact information is now at version {current_version}")
        self.current_version = current_version


def contact_information_for(partner):
    """The partner's contact information, created empty on first use."""
    info, _ = ContactInformation.objects.get_or_create(partner=partner)
    info.partner = partner  # already loaded by the caller: spare the query
    return info


def contact_status_refresh(*, partner, info=None):
    """Recompute what is missing in each environment and store it on the partner, for the gate to read."""
    info = info or contact_information_for(partner)
    counts = info.counts()
    integration = partner.integration_kind
    partner.missing_sandbox = missing_codes(counts, integration=integration, environment=Environment.SANDBOX)
    partner.missing_production = missing_codes(counts, integration=integration, environment=Environment.PRODUCTION)
    partner.save(update_fields=["missing_sandbox", "missing_production"])
    return partner


@transaction.atomic
def contact_information_reconcile(*, partner):
    """After changes made outside the form (operators in the admin): drop alert contacts who are no longer
    members, raise the version so open forms and cached renderings go stale, and refresh completeness."""
    info = contact_information_for(partner)
    info.alert_contacts.remove(*info.alert_contacts.exclude(memberships__partner=partner))
    ContactInformation.objects.filter(pk=info.pk).update(version=F("version") + 1)
    contact_status_refresh(partner=partner, info=info)


@transaction.atomic
def contact_information_save(*, form, actor):
    """Save a valid contact information form as one change, or raise ContactInformationConflict if it is stale."""
    info = form.info
    claimed = ContactInformation.objects.filter(pk=info.pk, version=form.version).update(
        version=F("version") + 1, updated_at=timezone.now(), updated_by=actor
    )
    if not claimed:
        current = ContactInformation.objects.filter(pk=info.pk).values_list("version", flat=True).first()
        raise ContactInformationConflict(current)
    # We now hold the row: nobody else can save until we commit, so "before" is what we replace.
    before = info.as_dict()
    form.save()
    info.refresh_from_db(fields=["version", "updated_at", "updated_by"])
    info.save(update_fields=["support_24_7"])
    after = info.as_dict()
    contact_status_refresh(partner=info.partner, info=info)
    Activity.objects.create(
        partner=info.partner,
        actor=actor,
        action=Activity.Action.CONTACTS_UPDATED,
        before={"version": form.version, **before},
        after={"version": info.version, **after},
    )
    return info
