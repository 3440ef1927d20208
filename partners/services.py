"""Writes about partners and their people: invitations, roles and launch, each recorded in the activity log."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.identity import canonical_email
from accounts.models import User, normalize_email
from accounts.outbox import email_cancel, email_queue, email_render
from partners.models import (
    LAST_ADMIN_MESSAGE,
    Activity,
    Invitation,
    Membership,
    Partner,
    Role,
    hash_token,
    person_display,
)


class MembershipError(Exception):
    """A change to members or invitations that the rules refuse; the message says why, for people."""


def operator_label(user):
    """How the activity log names an operator's change made in the Django admin."""
    return f"operator:{user.email}"


def activity_record(*, partner, actor, action, subject="", before=None, after=None, label=None):
    """Record one change to a partner: who (a user and how to name them), what, before and after."""
    return Activity.objects.create(
        partner=partner,
        actor=actor,
        actor_label=label if label is not None else (actor.email if actor else ""),
        action=action,
        subject=subject,
        before=before or {},
        after=after or {},
    )


def password_set_path(user):
    """A one-time path where the user chooses a password; it stops working once the password changes."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


# About how long completing the contact information takes, as the invitation tells the person it is handed to.
CONTACT_INFORMATION_MINUTES = 10


def invitation_context(invitation):
    """What the invitation email and its accept page say: who asks, for which partner and role, and whether the
    contact information is waiting to be completed (the job being handed over)."""
    partner = invitation.partner
    return {
        "invitation": invitation,
        "inviter": person_display(invitation.invited_by) if invitation.invited_by else "",
        "contacts_waiting": bool(partner.missing_sandbox),
        "categories": partner.integration_kind.contact_category_count,
        "minutes": CONTACT_INFORMATION_MINUTES,
    }


def _queue_invitation_email(invitation, token, *, request=None):
    """Queue the link in the outbox: it is sent after the transaction commits, and retried if the mail server
    refuses; the Users tab shows it as not delivered yet meanwhile. Written in the language of the invitee's account
    if they have one, else in the partner's."""
    path = reverse("portal:accept_invitation", kwargs={"token": token})
    link = request.build_absolute_uri(path) if request is not None else f"{settings.PORTAL_BASE_URL}{path}"
    context = {**invitation_context(invitation), "link": link, "days": settings.INVITATION_MAX_AGE_DAYS}
    account = User.objects.with_email(invitation.email).first()
    language = account.language if account else invitation.partner.language
    subject, body = email_render("partners/email/invitation", context, language)
    invitation.message = email_queue(
        to=invitation.email, subject=subject, body=body, language=language, one_time_link=True
    )
    invitation.save(update_fields=["message"])


def refuse_look_alike(email, *, invitations=None):
    """Raise MembershipError if `email` is not an existing account's address (or invitation's) but looks like one.

    `admin@fıntech.example` must never pass for `admin@fintech.example`: it would squat the real person's
    invitations, or be taken for them by an operator.
    """
    canonical = canonical_email(email)
    look_alikes = [User.objects.looking_like(email).exclude(email_canonical=canonical)]
    if invitations is not None:
        look_alikes.append(invitations.looking_like(email).exclude(email_canonical=canonical))
    if any(query.exists() for query in look_alikes):
        raise MembershipError(
            _(
                "%(email)s looks like the address of another person here, but it is not the same address. "
                "Check each letter, or use that address."
            )
            % {"email": email}
        )


def _new_invitation(*, partner, email, role, inviter):
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        partner=partner,
        email=email,
        role=role,
        invited_by=inviter,
        token_hash=hash_token(token),
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    return invitation, token


def partner_invitations_refresh(partner):
    """Record on the partner when its last pending invitation expires (None: none is pending), after any change to
    its invitations: the users panel reads it before asking for them."""
    until = Invitation.objects.filter(partner=partner).pending().aggregate(until=Max("expires_at"))["until"]
    Partner.objects.filter(pk=partner.pk).update(invitations_open_until=until)
    partner.invitations_open_until = until


def _check_invitation_rate(partner):
    since = timezone.now() - timedelta(hours=1)
    if partner.invitations.filter(created_at__gte=since).count() >= settings.INVITATIONS_PER_HOUR:
        raise MembershipError(
            _("This account has sent %(limit)d invitations in the last hour. Try again later.")
            % {"limit": settings.INVITATIONS_PER_HOUR}
        )


@transaction.atomic
def invitation_create(*, partner, email, role, inviter, request=None):
    """Invite someone by email; refuses current members, and too many invitations an hour."""
    email = normalize_email(email)
    if partner.memberships.filter(user__in=User.objects.with_email(email)).exists():
        raise MembershipError(_("%(email)s is already a member of this account.") % {"email": email})
    refuse_look_alike(email, invitations=partner.invitations.pending())
    _check_invitation_rate(lock_partner(partner.pk))
    # A new invitation replaces any pending one for the same address.
    replaced = partner.invitations.pending().for_email(email)
    for message_id in replaced.exclude(message=None).values_list("message_id", flat=True):
        email_cancel(message_id)
    replaced.update(revoked_at=timezone.now())
    invitation, token = _new_invitation(partner=partner, email=email, role=role, inviter=inviter)
    partner_invitations_refresh(partner)
    activity_record(
        partner=partner, actor=inviter, action=Activity.Action.INVITATION_SENT, subject=email, after={"role": role}
    )
    _queue_invitation_email(invitation, token, request=request)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation, actor, request=None):
    """Send a new link; the old one stops working."""
    partner = invitation.partner
    _check_invitation_rate(lock_partner(partner.pk))
    # Claim the old link: a stale page or a second click must not revive or duplicate an invitation.
    if not Invitation.objects.pending().filter(pk=invitation.pk).update(revoked_at=timezone.now()):
        raise MembershipError(_("This invitation was already accepted, revoked or replaced by a newer link."))
    if invitation.message_id:
        email_cancel(invitation.message_id)  # the old link, if not sent yet, never goes out
    fresh, token = _new_invitation(partner=partner, email=invitation.email, role=invitation.role, inviter=actor)
    partner_invitations_refresh(partner)
    activity_record(partner=partner, actor=actor, action=Activity.Action.INVITATION_RESENT, subject=invitation.email)
    _queue_invitation_email(fresh, token, request=request)
    return fresh


@transaction.atomic
def invitation_revoke(*, invitation, actor):
    """Kill a pending invitation's link."""
    lock_partner(invitation.partner_id)
    if Invitation.objects.pending().filter(pk=invitation.pk).update(revoked_at=timezone.now()):
        partner_invitations_refresh(invitation.partner)
        if invitation.message_id:
            email_cancel(invitation.message_id)  # a link not sent yet (mistyped address?) never goes out
        activity_record(
            partner=invitation.partner, actor=actor, action=Activity.Action.INVITATION_REVOKED, subject=invitation.email
        )


def invitation_for_token(token):
    """The invitation a link points to, whatever its state, or None."""
    return Invitation.objects.select_related("partner", "invited_by").filter(token_hash=hash_token(token)).first()


@transaction.atomic
def invitation_accept(*, invitation, user):
    """Turn a pending invitation into a membership, exactly once even if two people click at once."""
    lock_partner(invitation.partner_id)  # the partner first, as every change to members does
    claimed = Invitation.objects.pending().filter(pk=invitation.pk).update(accepted_at=timezone.now(), accepted_by=user)
    if not claimed:
        raise MembershipError(_("This invitation link has already been used, revoked or has expired."))
    partner_invitations_refresh(invitation.partner)
    membership, created = Membership.objects.get_or_create(
        user=user, partner=invitation.partner, defaults={"role": invitation.role}
    )
    if created:
        activity_record(
            partner=invitation.partner,
            actor=user,
            action=Activity.Action.MEMBER_ADDED,
            subject=user.email,
            after={"role": membership.role},
        )
    return membership


def lock_partner(partner_id):
    """Lock a partner's row for a change to its members or contact information (callers hold a transaction).

    Every such change takes this lock first, so they run one after the other per partner, always in the same
    order (partner, then the rows it owns): two Admins cannot both pass the last-Admin check, a member cannot
    be removed halfway through a save of the alert contacts, and no two changes wait on each other forever.
    """
    return Partner.objects.select_for_update().get(pk=partner_id)


def lock_partners(partner_ids):
    """Lock several partners' rows, in primary-key order so that two such changes never wait on each other."""
    return list(Partner.objects.select_for_update().filter(pk__in=set(partner_ids)).order_by("pk"))


def lock_membership(membership):
    """Lock the partner, then the membership, for a change to members (callers hold a transaction)."""
    lock_partner(membership.partner_id)
    return Membership.objects.select_for_update().select_related("user", "partner").get(pk=membership.pk)


def refuse_last_admin(membership):
    """Raise MembershipError if the membership is its partner's last Admin."""
    if Membership.objects.filter(pk=membership.pk).last_admins().exists():
        raise MembershipError(LAST_ADMIN_MESSAGE % {"user": membership.user, "partner": membership.partner})


@transaction.atomic
def membership_change_role(*, membership, role, actor):
    """Change a member's role; the partner always keeps one Admin."""
    membership = lock_membership(membership)
    if role == membership.role:
        return membership
    refuse_last_admin(membership)
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    activity_record(
        partner=membership.partner,
        actor=actor,
        action=Activity.Action.MEMBER_ROLE_CHANGED,
        subject=membership.user.email,
        before={"role": before},
        after={"role": role},
    )
    return membership


class PartnerError(Exception):
    """A change to a partner's lifecycle that the rules refuse; the message says why, for people."""


@transaction.atomic
def partner_disable(*, partner, operator, reason):
    """An operator disables the integration: why, since when and who are kept beside the status.

    The partner keeps using the portal (with a banner); raising the emergency is the caller's part.
    """
    partner = lock_partner(partner.pk)
    if partner.is_disabled:
        raise PartnerError(_("The integration of %(partner)s is already disabled.") % {"partner": partner})
    reason = reason.strip()
    if not reason:
        raise PartnerError(_("Say why the integration is disabled: the partner's contacts are told."))
    before = partner.status
    partner.status = Partner.Status.DISABLED
    partner.disabled_reason = reason
    partner.disabled_at = timezone.now()
    partner.disabled_by = operator
    partner.save(update_fields=["status", "disabled_reason", "disabled_at", "disabled_by"])
    activity_record(
        partner=partner,
        actor=operator,
        label=operator_label(operator),
        action=Activity.Action.PARTNER_DISABLED,
        before={"status": before},
        after={"status": partner.status, "reason": reason},
    )
    return partner


@transaction.atomic
def partner_enable(*, partner, operator):
    """An operator re-enables the integration: it goes back to launched (or onboarding, if never launched)."""
    partner = lock_partner(partner.pk)
    if not partner.is_disabled:
        raise PartnerError(_("The integration of %(partner)s is not disabled.") % {"partner": partner})
    partner.status = Partner.Status.LAUNCHED if partner.launched_at else Partner.Status.ONBOARDING
    partner.disabled_reason = ""
    partner.disabled_at = None
    partner.disabled_by = None
    partner.save(update_fields=["status", "disabled_reason", "disabled_at", "disabled_by"])
    activity_record(
        partner=partner,
        actor=operator,
        label=operator_label(operator),
        action=Activity.Action.PARTNER_ENABLED,
        before={"status": Partner.Status.DISABLED},
        after={"status": partner.status},
    )
    return partner


@transaction.atomic
def partner_phone_region_set(*, partner, region, actor):
    """Set the region phone numbers typed without a country code are read in; recorded in the activity log.

    Stored numbers keep their country (they are E.164): only what is typed from now on reads differently.
    """
    if region not in dict(Partner._meta.get_field("phone_region").choices):
        raise PartnerError(_("“%(region)s” is not a country we know phone numbers of.") % {"region": region})
    partner = lock_partner(partner.pk)
    before = partner.phone_region
    if region == before:
        return partner
    partner.phone_region = region
    partner.save(update_fields=["phone_region"])
    activity_record(
        partner=partner,
        actor=actor,
        action=Activity.Action.PHONE_REGION_CHANGED,
        before={"phone_region": before},
        after={"phone_region": region},
    )
    return partner


@transaction.atomic
def admin_handover(*, membership, to, actor):
    """An Admin makes another member Admin and becomes Editor, in one step under the partner's lock."""
    membership = lock_membership(membership)
    to = Membership.objects.select_for_update().select_related("user", "partner").get(pk=to.pk)
    if to.partner_id != membership.partner_id:
        raise MembershipError(_("%(user)s is not a member of this account.") % {"user": to.user})
    if to.pk == membership.pk:
        raise MembershipError(_("Choose another member to hand the Admin role to."))
    if membership.role != Role.ADMIN:
        raise MembershipError(_("Only an Admin can hand over the Admin role."))
    before = to.role
    if before != Role.ADMIN:
        to.role = Role.ADMIN
        to.save(update_fields=["role"])
    membership.role = Role.EDITOR
    membership.save(update_fields=["role"])
    partner = membership.partner
    activity_record(
        partner=partner,
        actor=actor,
        action=Activity.Action.ADMIN_HANDED_OVER,
        subject=to.user.email,
        before={"role": before},
        after={"role": Role.ADMIN},
    )
    activity_record(
        partner=partner,
        actor=actor,
        action=Activity.Action.MEMBER_ROLE_CHANGED,
        subject=membership.user.email,
        before={"role": Role.ADMIN},
        after={"role": Role.EDITOR},
    )
    return to


@transaction.atomic
def admin_appoint(*, membership, operator):
    """An operator makes a member Admin (a partner whose only Admin has left has none); recorded under their label."""
    membership = lock_membership(membership)
    if membership.role == Role.ADMIN:
        raise MembershipError(_("%(user)s is already an Admin.") % {"user": membership.user})
    before = membership.role
    membership.role = Role.ADMIN
    membership.save(update_fields=["role"])
    activity_record(
        partner=membership.partner,
        actor=operator,
        label=operator_label(operator),
        action=Activity.Action.ADMIN_APPOINTED,
        subject=membership.user.email,
        before={"role": before},
        after={"role": Role.ADMIN},
    )
    return membership
