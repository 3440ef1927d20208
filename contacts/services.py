"""Writes to contact information, and the flows of the partners app that contact information constrains."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contacts.completeness import missing_codes
from contacts.models import ContactInformation
from partners.environments import Environment
from partners.integrations import get_integration
from partners.models import Activity, Membership, Partner, Role
from partners.services import MembershipError, activity_record, lock_membership, refuse_last_admin


class ContactInformationConflict(Exception):
    """The form was filled from a version someone else has since replaced."""

    def __init__(self, current_version):
        super().__init__(f"contact information is now at version {current_version}")
        self.current_version = current_version


def contact_information_for(partner):
    """The partner's contact information, created empty on first use."""
    info, _created = ContactInformation.objects.get_or_create(partner=partner)
    info.partner = partner  # already loaded by the caller: spare the query
    return info


def computed_status(partner, info=None):
    """What the contact information lacks in each environment, computed afresh: (sandbox, production) codes."""
    info = info or contact_information_for(partner)
    counts = info.counts()
    integration = partner.integration_kind
    return (
        missing_codes(counts, integration=integration, environment=Environment.SANDBOX),
        missing_codes(counts, integration=integration, environment=Environment.PRODUCTION),
    )


def contact_status_refresh(*, partner, info=None):
    """Recompute what is missing in each environment and store it on the partner, for the gate to read.

    Returns whether the stored answer changed.
    """
    sandbox, production = computed_status(partner, info)
    changed = (partner.missing_sandbox, partner.missing_production) != (sandbox, production)
    # Saved even when it looks unchanged: the partner in hand may predate a colleague's save.
    partner.missing_sandbox, partner.missing_production = sandbox, production
    partner.save(update_fields=["missing_sandbox", "missing_production"])
    return changed


@transaction.atomic
def partner_create(*, name, integration, admin_email, admin_password=None, admin_name="", phone_region="US"):
    """Create a partner, its empty contact information and its first Admin; returns (partner, user, created)."""
    get_integration(integration)
    partner = Partner.objects.create(name=name, integration=integration, phone_region=phone_region)
    user = User.objects.with_email(admin_email).first()
    created = user is None
    if created:
        user = User.objects.create_user(email=admin_email, password=admin_password, name=admin_name)
        if admin_password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    elif admin_password is not None:
        user.set_password(admin_password)
        user.save(update_fields=["password"])
    Membership.objects.create(user=user, partner=partner, role=Role.ADMIN)
    contact_status_refresh(partner=partner)
    return partner, user, created


@transaction.atomic
def membership_remove(*, membership, actor):
    """Remove a member; refused for the last Admin and for the last alert contact."""
    membership = lock_membership(membership)
    partner = membership.partner
    refuse_last_admin(membership)
    info = contact_information_for(partner)
    alerts = set(info.alert_contacts.values_list("pk", flat=True))
    if membership.user_id in alerts:
        if len(alerts) == 1:
            raise MembershipError(
                _("%(user)s is the only alert contact: choose another alert contact first.") % {"user": membership.user}
            )
        info.alert_contacts.remove(membership.user)
    membership.delete()
    contact_status_refresh(partner=partner, info=info)
    activity_record(
        partner=partner,
        actor=actor,
        action=Activity.Action.MEMBER_REMOVED,
        subject=membership.user.email,
        before={"role": membership.role},
    )


@transaction.atomic
def contact_information_reconcile(*, partner):
    """After changes made outside the form (operators in the admin): drop alert contacts who are no longer
    members, raise the version so open forms and cached renderings go stale, and refresh completeness."""
    partner.refresh_from_db()
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
    info.refresh_from_db(fields=["version", "updated_at", "updated_by", "support_24_7"])
    after = info.as_dict()
    contact_status_refresh(partner=info.partner, info=info)
    activity_record(
        partner=info.partner,
        actor=actor,
        action=Activity.Action.CONTACTS_UPDATED,
        before={"version": form.version, **before},
        after={"version": info.version, **after},
    )
    return info
