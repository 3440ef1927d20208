"""Writes about partners and their people: invitations, roles and launch, each recorded in the activity log."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import User, normalize_email
from partners.models import LAST_ADMIN_MESSAGE, Activity, Invitation, Membership, Partner, hash_token


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


def _send_invitation_email(invitation, token, *, request=None):
    path = reverse("portal:accept_invitation", kwargs={"token": token})
    link = request.build_absolute_uri(path) if request is not None else f"{settings.PORTAL_BASE_URL}{path}"
    context = {"invitation": invitation, "link": link, "days": settings.INVITATION_MAX_AGE_DAYS}
    # One line whatever the partner is called: a header may not contain line breaks.
    subject = " ".join(render_to_string("partners/email/invitation_subject.txt", context).split())
    body = render_to_string("partners/email/invitation_message.txt", context)
    send_mail(subject, body, None, [invitation.email])


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
    _check_invitation_rate(Partner.objects.select_for_update().get(pk=partner.pk))
    # A new invitation replaces any pending one for the same address.
    partner.invitations.pending().for_email(email).update(revoked_at=timezone.now())
    invitation, token = _new_invitation(partner=partner, email=email, role=role, inviter=inviter)
    activity_record(
        partner=partner, actor=inviter, action=Activity.Action.INVITATION_SENT, subject=email, after={"role": role}
    )
    transaction.on_commit(lambda: _send_invitation_email(invitation, token, request=request))
    return invitation


@transaction.atomic
def invitation_resend(*, invitation, actor, request=None):
    """Send a new link; the old one stops working."""
    partner = invitation.partner
    _check_invitation_rate(Partner.objects.select_for_update().get(pk=partner.pk))
    # Claim the old link: a stale page or a second click must not revive or duplicate an invitation.
    if not Invitation.objects.pending().filter(pk=invitation.pk).update(revoked_at=timezone.now()):
        raise MembershipError(_("This invitation was already accepted, revoked or replaced by a newer link."))
    fresh, token = _new_invitation(partner=partner, email=invitation.email, role=invitation.role, inviter=actor)
    activity_record(partner=partner, actor=actor, action=Activity.Action.INVITATION_RESENT, subject=invitation.email)
    transaction.on_commit(lambda: _send_invitation_email(fresh, token, request=request))
    return fresh


def invitation_revoke(*, invitation, actor):
    """Kill a pending invitation's link."""
    if Invitation.objects.pending().filter(pk=invitation.pk).update(revoked_at=timezone.now()):
        activity_record(
            partner=invitation.partner, actor=actor, action=Activity.Action.INVITATION_REVOKED, subject=invitation.email
        )


def invitation_for_token(token):
    """The invitation a link points to, whatever its state, or None."""
    return Invitation.objects.select_related("partner", "invited_by").filter(token_hash=hash_token(token)).first()


@transaction.atomic
def invitation_accept(*, invitation, user):
    """Turn a pending invitation into a membership, exactly once even if two people click at once."""
    claimed = Invitation.objects.pending().filter(pk=invitation.pk).update(accepted_at=timezone.now(), accepted_by=user)
    if not claimed:
        raise MembershipError(_("This invitation link has already been used, revoked or has expired."))
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


def lock_membership(membership):
    """Lock the partner, then the membership, for a change to members (callers hold a transaction).

    Locking the partner first means two Admins demoting or removing each other cannot both pass the
    last-Admin check.
    """
    Partner.objects.select_for_update().filter(pk=membership.partner_id).first()
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


@transaction.atomic
def partner_launch(*, partner, actor):
    """Launch the integration: only once Production contact information is complete."""
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if partner.missing_production:
        raise MembershipError(_("Complete the Production contact information before launching."))
    if partner.status != Partner.Status.ONBOARDING:
        raise MembershipError(_("This integration has already been launched."))
    partner.status = Partner.Status.LAUNCHED
    partner.launched_at = timezone.now()
    partner.launched_by = actor
    partner.save(update_fields=["status", "launched_at", "launched_by"])
    activity_record(partner=partner, actor=actor, action=Activity.Action.PARTNER_LAUNCHED, subject=partner.name)
    return partner
