"""Writes that span several objects: partners, members, invitations and launch, each recorded."""

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

from contacts.services import contact_information_for, contact_status_refresh
from portal.integrations import get_integration
from portal.models import Activity, Invitation, Membership, Partner, Role, User, hash_token, normalize_email


@transaction.atomic
def partner_create(*, name, integration, admin_email, admin_password=None, admin_name="", phone_region="US"):
    """Create a partner, its empty contact information and its first Admin; returns (partner, user, created)."""
    get_integration(integration)
    partner = Partner.objects.create(name=name, integration=integration, phone_region=phone_region)
    user = User.objects.filter(email__iexact=normalize_email(admin_email)).first()
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


def password_set_path(user):
    """A one-time path where the user chooses a password; it stops working once the password changes."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


class MembershipError(Exception):
    """A change to members or invitations that the rules refuse; the message says why, for people."""


def _record(partner, actor, action, subject="", before=None, after=None):
    Activity.objects.create(
        partner=partner, actor=actor, action=action, subject=subject, before=before or {}, after=after or {}
    )


def _send_invitation_email(invitation, token, *, request=None):
    path = reverse("portal:accept_invitation", kwargs={"token": token})
    link = request.build_absolute_uri(path) if request is not None else f"{settings.PORTAL_BASE_URL}{path}"
    context = {"invitation": invitation, "link": link, "days": settings.INVITATION_MAX_AGE_DAYS}
    # One line whatever the partner is called: a header may not contain line breaks.
    subject = " ".join(render_to_string("portal/email/invitation_subject.txt", context).split())
    body = render_to_string("portal/email/invitation_message.txt", context)
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
    if partner.memberships.filter(user__email__iexact=email).exists():
        raise MembershipError(_("%(email)s is already a member of this account.") % {"email": email})
    _check_invitation_rate(Partner.objects.select_for_update().get(pk=partner.pk))
    # A new invitation replaces any pending one for the same address.
    partner.invitations.pending().filter(email__iexact=email).update(revoked_at=timezone.now())
    invitation, token = _new_invitation(partner=partner, email=email, role=role, inviter=inviter)
    _record(partner, inviter, Activity.Action.INVITATION_SENT, email, after={"role": role})
    transaction.on_commit(lambda: _send_invitation_email(invitation, token, request=request))
    return invitation


@transaction.atomic
def invitation_resend(*, invitation, actor, request=None):
    """Send a new link; the old one stops working."""
    partner = invitation.partner
    _check_invitation_rate(Partner.objects.select_for_update().get(pk=partner.pk))
    # Claim the old link: a stale page or a second click must not revive or duplicate an invitation.
    if not Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).update(revoked_at=timezone.now()):
        raise MembershipError(_("This invitation was already accepted, revoked or replaced by a newer link."))
    fresh, token = _new_invitation(partner=partner, email=invitation.email, role=invitation.role, inviter=actor)
    _record(partner, actor, Activity.Action.INVITATION_RESENT, invitation.email)
    transaction.on_commit(lambda: _send_invitation_email(fresh, token, request=request))
    return fresh


def invitation_revoke(*, invitation, actor):
    """Kill a pending invitation's link."""
    if Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True, accepted_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        _record(invitation.partner, actor, Activity.Action.INVITATION_REVOKED, invitation.email)


def invitation_for_token(token):
    """The invitation a link points to, whatever its state, or None."""
    return Invitation.objects.select_related("partner", "invited_by").filter(token_hash=hash_token(token)).first()


@transaction.atomic
def invitation_accept(*, invitation, user):
    """Turn a pending invitation into a membership, exactly once even if two people click at once."""
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).update(accepted_at=timezone.now(), accepted_by=user)
    if not claimed:
        raise MembershipError(_("This invitation link has already been used, revoked or has expired."))
    membership, created = Membership.objects.get_or_create(
        user=user, partner=invitation.partner, defaults={"role": invitation.role}
    )
    if created:
        _record(invitation.partner, user, Activity.Action.MEMBER_ADDED, user.email, after={"role": membership.role})
    return membership


def _is_last_admin(membership):
    # Callers lock the partner row first, so two Admins demoting each other cannot both pass.
    return (
        membership.role == Role.ADMIN and not membership.partner.memberships.admins().exclude(pk=membership.pk).exists()
    )


@transaction.atomic
def membership_change_role(*, membership, role, actor):
    """Change a member's role; the partner always keeps one Admin."""
    Partner.objects.select_for_update().filter(pk=membership.partner_id).first()
    membership = Membership.objects.select_for_update().select_related("user", "partner").get(pk=membership.pk)
    if role == membership.role:
        return membership
    if _is_last_admin(membership):
        raise MembershipError(
            _("%(user)s is the only Admin: make someone else Admin first.") % {"user": membership.user}
        )
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    _record(
        membership.partner,
        actor,
        Activity.Action.MEMBER_ROLE_CHANGED,
        membership.user.email,
        {"role": before},
        {"role": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership, actor):
    """Remove a member; refused for the last Admin and for the last alert contact."""
    Partner.objects.select_for_update().filter(pk=membership.partner_id).first()
    membership = Membership.objects.select_for_update().select_related("user", "partner").get(pk=membership.pk)
    partner = membership.partner
    if _is_last_admin(membership):
        raise MembershipError(_("%(user)s is the only Admin and cannot be removed.") % {"user": membership.user})
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
    _record(partner, actor, Activity.Action.MEMBER_REMOVED, membership.user.email, {"role": membership.role})


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
    _record(partner, actor, Activity.Action.PARTNER_LAUNCHED, partner.name)
    return partner
