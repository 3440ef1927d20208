"""Members and invitations: Settings › Users, the modal's Users tab, and accepting an invitation."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from contacts.decorators import contact_information_not_required
from contacts.history import contact_changes
from portal.current import membership_required, set_current_partner
from portal.forms import AcceptInvitationForm, InvitationForm
from portal.models import Activity, Invitation, Membership, Role, User
from portal.navigation import safe_next
from portal.services import (
    MembershipError,
    invitation_accept,
    invitation_create,
    invitation_for_token,
    invitation_resend,
    invitation_revoke,
    membership_change_role,
    membership_remove,
)

MEMBERS_PER_PAGE = 50


def users_context(membership, invite_form=None, page=None):
    """What the users panel shows: a page of members, pending invitations and, for Admins, the invitation form."""
    partner = membership.partner
    members = partner.memberships.select_related("user").order_by("user__name", "user__email", "pk")
    return {
        "members": Paginator(members, MEMBERS_PER_PAGE).get_page(page),
        "invitations": partner.invitations.pending().select_related("invited_by"),
        "invite_form": invite_form or (InvitationForm() if membership.can_manage_users else None),
        "roles": Role.choices,
        "invitation_days": settings.INVITATION_MAX_AGE_DAYS,
    }


def handle_invitation(request, membership, *, back_to):
    """Validate the invitation form and send it; returns a redirect, or the bound form to show again."""
    if not membership.can_manage_users:
        raise PermissionDenied
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = invitation_create(
                partner=membership.partner,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                inviter=request.user,
                request=request,
            )
        except MembershipError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect(back_to)
    return form


@require_http_methods(["GET", "HEAD", "POST"])
@membership_required
def users(request):
    """Settings › Users."""
    invite_form = None
    if request.method == "POST":
        result = handle_invitation(request, request.membership, back_to=reverse("portal:users"))
        if not isinstance(result, InvitationForm):
            return result
        invite_form = result
    context = users_context(request.membership, invite_form, page=request.GET.get("page"))
    return render(request, "portal/users.html", {**context, "back_to": reverse("portal:users")})


def _managed(request, model, pk):
    """An object of the current partner that an Admin may manage; 404 for anyone else's."""
    membership = request.membership
    obj = get_object_or_404(model.objects.select_related("partner"), pk=pk, partner=membership.partner)
    if not membership.can_manage_users:
        raise PermissionDenied
    return obj


@require_POST
@contact_information_not_required
@membership_required
def invitation_resend_view(request, pk):
    """Send a fresh link for a pending invitation."""
    invitation = _managed(request, Invitation, pk)
    try:
        invitation_resend(invitation=invitation, actor=request.user, request=request)
    except MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("A new link was sent to %(email)s.") % {"email": invitation.email})
    return redirect(safe_next(request, "portal:users"))


@require_POST
@contact_information_not_required
@membership_required
def invitation_revoke_view(request, pk):
    """Cancel a pending invitation."""
    invitation = _managed(request, Invitation, pk)
    invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email})
    return redirect(safe_next(request, "portal:users"))


@require_POST
@contact_information_not_required
@membership_required
def member_role_view(request, pk):
    """Change a member's role."""
    member = _managed(request, Membership, pk)
    role = request.POST.get("role")
    if role not in Role.values:
        messages.error(request, _("Choose a role from the list."))
    else:
        try:
            membership_change_role(membership=member, role=role, actor=request.user)
        except MembershipError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(user)s is now %(role)s.") % {"user": member.user, "role": Role(role).label})
    return redirect(safe_next(request, "portal:users"))


@require_POST
@contact_information_not_required
@membership_required
def member_remove_view(request, pk):
    """Remove a member from the partner."""
    member = _managed(request, Membership, pk)
    try:
        membership_remove(membership=member, actor=request.user)
    except MembershipError as error:
        messages.error(request, str(error))
        return redirect(safe_next(request, "portal:users"))
    messages.success(request, _("%(user)s was removed.") % {"user": member.user})
    if member.user_id == request.user.id:
        return redirect("portal:dashboard")  # they left this partner: its settings are no longer theirs
    return redirect(safe_next(request, "portal:users"))


@require_http_methods(["GET", "HEAD", "POST"])
@login_not_required
@contact_information_not_required
def accept_invitation(request, token):
    """Where an invitation link lands: set a name and password, or sign in, then join the partner."""
    invitation = invitation_for_token(token)
    if invitation is None or not invitation.is_pending:
        return render(request, "portal/invitation_invalid.html", {"invitation": invitation}, status=410)
    context = {"invitation": invitation}
    if request.user.is_authenticated:
        if request.user.email.casefold() != invitation.email.casefold():
            return render(request, "portal/invitation_other_user.html", context, status=403)
        if request.method == "POST":
            return _join(request, invitation, request.user)
        return render(request, "portal/invitation_accept.html", context)
    if User.objects.filter(email__iexact=invitation.email).exists():
        login_url = f"{reverse('login')}?{urlencode({'next': request.path})}"
        return render(request, "portal/invitation_accept.html", {**context, "login_url": login_url})
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=invitation.email, password=form.cleaned_data["password1"], name=form.cleaned_data["name"]
                )
                membership = invitation_accept(invitation=invitation, user=user)
        except (IntegrityError, MembershipError):
            # Someone used the link a moment before us: no half-made account is left behind.
            return render(request, "portal/invitation_invalid.html", {"invitation": invitation}, status=410)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return _welcome(request, membership)
    return render(request, "portal/invitation_accept.html", {**context, "form": form})


def _join(request, invitation, user):
    try:
        membership = invitation_accept(invitation=invitation, user=user)
    except MembershipError:
        return render(request, "portal/invitation_invalid.html", {"invitation": invitation}, status=410)
    return _welcome(request, membership)


def _welcome(request, membership):
    set_current_partner(request, membership)
    messages.success(request, _("Welcome to %(partner)s.") % {"partner": membership.partner.name})
    return redirect("portal:dashboard")


@require_http_methods(["GET", "HEAD"])
@membership_required
def activity(request):
    """Settings › Activity: every change to contact information and members, newest first."""
    entries = Activity.objects.filter(partner=request.membership.partner).select_related("actor")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    rows = [
        (
            entry,
            contact_changes(entry.before, entry.after) if entry.action == Activity.Action.CONTACTS_UPDATED else None,
        )
        for entry in page
    ]
    return render(request, "portal/activity.html", {"page": page, "rows": rows})
