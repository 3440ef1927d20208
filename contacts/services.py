"""Writes to contact information, and the flows of the partners app that contact information constrains."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.outbox import email_build, email_queue, email_render, emails_queue
from contacts.completeness import DUE_LATER, REQUIREMENTS
from contacts.models import ContactInformation
from contacts.routing_changes import routing_change_notify
from contacts.status import (  # noqa: F401 (where callers have always found them)
    computed_requirements,
    computed_status,
    contact_information_for,
    contact_status_refresh,
)
from contacts.verification import verification_sync
from partners.environments import Environment
from partners.integrations import get_integration
from partners.models import Activity, Invitation, Membership, Partner, Role, person_display
from partners.services import (
    MembershipError,
    activity_record,
    lock_membership,
    lock_partner,
    operator_label,
    refuse_last_admin,
    refuse_look_alike,
)


class ContactInformationConflict(Exception):
    """The form was filled from a version someone else has since replaced."""

    def __init__(self, current_version):
        super().__init__(f"contact information is now at version {current_version}")
        self.current_version = current_version


def alert_contact_ids(partner):
    """The ids of the partner's alert contacts, as a query (of "user" values) to use inside another."""
    return ContactInformation.alert_contacts.through.objects.filter(contactinformation__partner=partner).values("user")


@transaction.atomic
def partner_create(*, name, integration, admin_email, admin_password=None, admin_name="", phone_region="US"):
    """Create a partner, its empty contact information and its first Admin; returns (partner, user, created).

    The Admin is the account with exactly this address, or a new one; an address that only looks like an
    existing account's is refused (MembershipError).
    """
    get_integration(integration)
    partner = Partner.objects.create(name=name, integration=integration, phone_region=phone_region)
    user = User.objects.with_email(admin_email).first()
    created = user is None
    if created:
        refuse_look_alike(admin_email)
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
def membership_remove(*, membership, actor, action=Activity.Action.MEMBER_REMOVED):
    """Remove a member; refused for the last Admin and for the last alert contact.

    It changes the contact information when the member was an alert contact, so it goes through the same
    lock and version as a save: a form filled before the removal is refused as stale, never applied after it.
    """
    membership = lock_membership(membership)
    partner = membership.partner
    refuse_last_admin(membership)
    info = contact_information_for(partner)
    alerts = set(info.alert_contacts.values_list("pk", flat=True))
    routing_before = None
    if membership.user_id in alerts:
        if len(alerts) == 1:
            raise MembershipError(
                _("%(user)s is the only alert contact: choose another alert contact first.") % {"user": membership.user}
            )
        routing_before = info.as_dict()
        info.alert_contacts.remove(membership.user)
    # A form filled before this removal may offer (or have chosen) this member as an alert contact.
    ContactInformation.objects.filter(pk=info.pk).update(version=F("version") + 1)
    membership.delete()
    activity_record(
        partner=partner,
        actor=actor,
        action=action,
        subject=membership.user.email,
        before={"role": membership.role},
    )
    if routing_before is not None:
        # Where alerts go changed: recorded and told like any change of the alert contacts.
        info.refresh_from_db(fields=["version"])
        routing_after = info.as_dict()
        change = activity_record(
            partner=partner,
            actor=actor,
            action=Activity.Action.CONTACTS_UPDATED,
            before={"version": info.version - 1, **routing_before},
            after={"version": info.version, **routing_after},
        )
        routing_change_notify(partner=partner, activity=change, before=routing_before, after=routing_after)
    # After the record: the quality warnings read it to know who left (address_of_former_member).
    contact_status_refresh(partner=partner, info=info)


def launch_blockers(partner):
    """What holds the launch, from the stored answer: whatever is past due in Production, and verification."""
    return [
        *partner.missing_contacts(Environment.PRODUCTION),
        *(code for code in partner.eventually_due(Environment.PRODUCTION) if code in DUE_LATER),
    ]


def launch_refusal(partner):
    """Why the integration cannot be launched now, for people; None when it can."""
    if partner.missing_production:
        return _("Complete the Production contact information before launching.")
    if launch_blockers(partner):
        return _(
            "Before launching, a technical emergency contact and the contact shared with users must confirm their "
            "addresses from the email we sent them."
        )
    if partner.is_disabled:
        return _("Our operators have disabled this integration: it can be launched once they enable it.")
    if partner.status != Partner.Status.ONBOARDING:
        return _("This integration has already been launched.")
    return None


@transaction.atomic
def partner_launch(*, partner, actor):
    """Launch the integration: only once Production contact information is complete, computed under the lock."""
    partner = lock_partner(partner.pk)
    contact_status_refresh(partner=partner)
    refusal = launch_refusal(partner)
    if refusal:
        raise MembershipError(refusal)
    partner.status = Partner.Status.LAUNCHED
    partner.launched_at = timezone.now()
    partner.launched_by = actor
    partner.save(update_fields=["status", "launched_at", "launched_by"])
    activity_record(partner=partner, actor=actor, action=Activity.Action.PARTNER_LAUNCHED, subject=partner.name)
    return partner


@transaction.atomic
def contact_information_reconcile(*, partner, operator=None, before=None):
    """After changes made outside the form (operators in the Django admin): drop alert contacts who are no
    longer members, raise the version so open forms and cached renderings go stale, refresh completeness,
    and record what changed (from `before`, a snapshot taken ahead of the edit) under the operator's label."""
    partner = lock_partner(partner.pk)
    info = contact_information_for(partner)
    before = info.as_dict() if before is None else before
    info.alert_contacts.remove(*info.alert_contacts.exclude(memberships__partner=partner))
    verification_sync(info=info, before=before)
    ContactInformation.objects.filter(pk=info.pk).update(version=F("version") + 1)
    info.refresh_from_db(fields=["version"])
    contact_status_refresh(partner=partner, info=info)
    after = info.as_dict()
    if after != before:
        activity = activity_record(
            partner=partner,
            actor=operator,
            label=operator_label(operator) if operator else "operator:",
            action=Activity.Action.CONTACTS_UPDATED,
            before={"version": info.version - 1, **before},
            after={"version": info.version, **after},
        )
        routing_change_notify(partner=partner, activity=activity, before=before, after=after)


@transaction.atomic
def contact_information_save(*, form, actor, label=None):
    """Save a valid contact information form as one change, or raise ContactInformationConflict if it is stale.

    `actor` is the member who saved; a change through the API has none, and is recorded under its key's `label`."""
    info = form.info
    info.partner = lock_partner(info.partner_id)  # members cannot change under us; the stored answer is fresh
    claimed = ContactInformation.objects.filter(pk=info.pk, version=form.version).update(
        version=F("version") + 1, updated_at=timezone.now(), updated_by=actor
    )
    if not claimed:
        current = ContactInformation.objects.filter(pk=info.pk).values_list("version", flat=True).first()
        raise ContactInformationConflict(current)
    # We now hold the row: nobody else can save until we commit, so "before" is what we replace.
    before = info.as_dict()
    was_waiting = bool(info.partner.missing_sandbox)
    form.save()
    verification_sync(info=info, before=before)
    # The alert contacts were checked against the members when the form was validated; under the lock,
    # make sure they still are (a removal that won the race has raised the version, so this is a last guard).
    if info.alert_contacts.exclude(memberships__partner=info.partner).exists():
        raise ContactInformationConflict(info.version + 1)
    info.refresh_from_db(fields=["version", "updated_at", "updated_by", "support_24_7"])
    after = info.as_dict()
    contact_status_refresh(partner=info.partner, info=info)
    activity = activity_record(
        partner=info.partner,
        actor=actor,
        action=Activity.Action.CONTACTS_UPDATED,
        before={"version": form.version, **before},
        after={"version": info.version, **after},
        label=label,
    )
    if info.partner.contacts_completed_at is not None or not was_waiting:  # a first completion replaces nobody
        routing_change_notify(partner=info.partner, activity=activity, before=before, after=after)
    if not info.partner.missing_sandbox and info.partner.contacts_completed_at is None:
        contact_completion_record(partner=info.partner, actor=actor if was_waiting else None)
    return info


def contact_completion_record(*, partner, actor=None):
    """The contact information is complete for the first time (the gate opens): note when, and if `actor` completed
    it on someone's invitation, email that person, once, in their language. Returns the queued email, or None.

    Nobody is told when the inviter completed it themselves, or when they have left the partner since.
    """
    partner.contacts_completed_at = timezone.now()
    partner.save(update_fields=["contacts_completed_at"])
    if actor is None:
        return None
    invitation = (
        Invitation.objects.filter(partner=partner, accepted_by=actor, invited_by__memberships__partner=partner)
        .exclude(invited_by=actor)
        .select_related("invited_by")
        .order_by("-accepted_at")
        .first()
    )
    if invitation is None:
        return None
    inviter = invitation.invited_by
    context = {
        "partner": partner.name,
        "completer": person_display(actor),
        "completer_name": actor.get_full_name(),
        "production_missing": [REQUIREMENTS[code] for code in partner.missing_production if code in REQUIREMENTS],
        "link": f"{settings.PORTAL_BASE_URL}{reverse('contacts:settings')}",
    }
    subject, body = email_render("partners/email/contacts_completed", context, inviter.language)
    return email_queue(to=inviter.email, subject=subject, body=body, language=inviter.language)


CONTACTS_REVIEWED = Activity.Action.CONTACTS_REVIEWED


@transaction.atomic
def contact_information_review(*, info, actor):
    """Record that `actor` confirmed the contact information is still correct, as of `info.version`.

    Raises ContactInformationConflict when someone saved since: they would confirm what they never saw.
    """
    info.partner = lock_partner(info.partner_id)  # the stored answer is rewritten below, as after a save
    now = timezone.now()
    claimed = ContactInformation.objects.filter(pk=info.pk, version=info.version).update(
        reviewed_at=now, reviewed_by=actor
    )
    if not claimed:
        current = ContactInformation.objects.filter(pk=info.pk).values_list("version", flat=True).first()
        raise ContactInformationConflict(current)
    info.reviewed_at, info.reviewed_by = now, actor
    contact_status_refresh(partner=info.partner, info=info)  # the yearly review starts again
    activity_record(partner=info.partner, actor=actor, action=CONTACTS_REVIEWED, after={"version": info.version})
    return info


# One member reminds at most once a day, and the Admins and Editors hear at most one reminder an hour.
MEMBER_INTERVAL = timedelta(hours=24)
PARTNER_INTERVAL = timedelta(hours=1)


class ReminderRefused(Exception):
    """No reminder now: the message says why, and when the next one is possible (`next_at`, if ever)."""

    def __init__(self, message, next_at=None):
        super().__init__(message)
        self.next_at = next_at


def _too_soon(membership, partner, now):
    """A ReminderRefused if this member, or anyone at this partner, reminded too recently; else None."""
    if membership.reminded_at and membership.reminded_at + MEMBER_INTERVAL > now:
        sent_at, next_at = membership.reminded_at, membership.reminded_at + MEMBER_INTERVAL
        message = _("You sent a reminder %(ago)s ago. You can send the next one in %(wait)s.")
    elif partner.reminded_at and partner.reminded_at + PARTNER_INTERVAL > now:
        sent_at, next_at = partner.reminded_at, partner.reminded_at + PARTNER_INTERVAL
        message = _("Someone at %(partner)s sent a reminder %(ago)s ago. You can send the next one in %(wait)s.")
    else:
        return None
    text = message % {"partner": partner.name, "ago": timesince(sent_at, now), "wait": timeuntil(next_at, now)}
    return ReminderRefused(text, next_at)


@transaction.atomic
def contact_reminder_send(*, membership, environment):
    """Email each Admin and Editor of the member's partner, in their language, asking them to complete the contact
    information; returns their memberships. Raises ReminderRefused when it is complete already, or too soon."""
    partner = lock_partner(membership.partner_id)  # two clicks at once: the second one sees the first's time
    membership = Membership.objects.select_related("user").get(pk=membership.pk)
    missing = [REQUIREMENTS[code] for code in partner.missing_contacts(environment) if code in REQUIREMENTS]
    if not missing:
        raise ReminderRefused(_("The contact information of %(partner)s is complete.") % {"partner": partner.name})
    now = timezone.now()
    refusal = _too_soon(membership, partner, now)
    if refusal:
        raise refusal
    recipients = list(partner.memberships.editors_and_admins().select_related("user").order_by("user__email"))
    asker = membership.user
    context = {
        "partner": partner.name,
        "asker": person_display(asker),
        "asker_name": asker.get_full_name(),
        "missing": missing,
        "link": f"{settings.PORTAL_BASE_URL}{reverse('contacts:edit')}",
    }
    emails = []
    for recipient in recipients:
        language = recipient.user.language
        subject, body = email_render("partners/email/reminder", context, language)
        emails.append(email_build(to=recipient.user.email, subject=subject, body=body, language=language))
    emails_queue(emails)
    membership.reminded_at = partner.reminded_at = now
    membership.save(update_fields=["reminded_at"])
    partner.save(update_fields=["reminded_at"])
    return recipients
