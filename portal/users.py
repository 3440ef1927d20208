"""Members and invitations: Settings › Users, the actions of the users panel, and accepting an invitation.

They live in the web shell because they combine apps: removing a member obeys contacts' alert-contact
rule, and the panel's actions stay reachable from the onboarding modal while the gate holds.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.navigation import safe_next
from contacts.categories import ALERT
from contacts.decorators import contact_information_not_required
from contacts.leaving import leave_refusal, membership_leave
from contacts.services import alert_contact_ids, membership_remove
from contacts.views import onboarding_page, users_tab_url
from contacts.warnings import addresses_used_by
from partners.decorators import membership_required
from partners.forms import AcceptInvitationForm, InvitationForm, RoleForm
from partners.middleware import SESSION_KEY, set_current_partner
from partners.models import Invitation, Membership, Role, person_display
from partners.panels import users_panel_context
from partners.services import (
    MembershipError,
    admin_handover,
    invitation_accept,
    invitation_context,
    invitation_for_token,
    invitation_resend,
    invitation_revoke,
)
from portal.views import confirmation_page


@require_http_methods(["GET", "HEAD"])
@membership_required
def users(request):
    """Settings › Users."""
    return render_users_page(request)


def render_users_page(request, invite_form=None, status=200):
    context = users_panel_context(
        request,
        invite_form=invite_form,
        page=request.GET.get("page"),
        alert_contacts=alert_contact_ids(request.membership.partner),
    )
    back_to = reverse("portal:users")
    return render(request, "portal/users.html", {**context, "back_to": back_to}, status=status)


@require_POST
@contact_information_not_required
@membership_required(role=Role.ADMIN)
def invite(request):
    """Send an invitation from Settings › Users or the modal's Users tab; errors are shown where it was sent from."""
    from_modal = request.POST.get("frame") == "onboarding"
    form = InvitationForm(request.POST, membership=request.membership, request=request)
    if form.is_valid() and (invitation := form.save()):
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
        return redirect(users_tab_url(request) if from_modal else reverse("portal:users"))
    if from_modal:
        return onboarding_page(request, invite_form=form)
    return render_users_page(request, invite_form=form)


class ManageView(View):
    """An Admin's action on one member or invitation of the current partner, then back to the Users page."""

    model = None
    http_method_names = ["post"]

    @classmethod
    def as_view(cls, **initkwargs):
        view = membership_required(contact_information_not_required(super().as_view(**initkwargs)))
        # The method first, as for every action: a wrong one is 405 for anyone, member or not.
        return require_http_methods([method.upper() for method in cls.http_method_names])(view)

    def get_object(self, pk):
        """The member or invitation, looked up in the current partner only; Admins alone may act on it."""
        obj = get_object_or_404(
            self.model.objects.select_related("partner"), pk=pk, partner=self.request.membership.partner
        )
        if not self.request.membership.can_manage_users:
            raise PermissionDenied
        return obj

    def post(self, request, pk):
        obj = self.get_object(pk)
        try:
            message = self.act(obj)
        except MembershipError as error:
            messages.error(request, str(error))
        else:
            if message:
                messages.success(request, message)
        return redirect(self.get_success_url(obj))

    def act(self, obj):
        """Do the action; return the message to show, or raise MembershipError."""
        raise NotImplementedError

    def get_success_url(self, obj):
        return safe_next(self.request, "portal:users")


class MemberRoleView(ManageView):
    """Change a member's role."""

    model = Membership

    def act(self, member):
        form = RoleForm(self.request.POST, member=member, actor=self.request.user)
        if not (form.is_valid() and form.save()):
            raise MembershipError(" ".join(form.errors["role"]))
        return _("%(user)s is now %(role)s.") % {"user": member.user, "role": Role(form.cleaned_data["role"]).label}


class ConfirmedManageView(ManageView):
    """A change that asks first: a GET, or a POST without `confirmed`, shows `confirmation`; nothing changes."""

    model = Membership
    http_method_names = ["get", "head", "post"]

    def get(self, request, pk):
        return self.confirmation(self.get_object(pk))

    def post(self, request, pk):
        if not request.POST.get("confirmed"):
            return self.confirmation(self.get_object(pk))
        return super().post(request, pk)

    def confirmation(self, member):
        raise NotImplementedError


class MemberRemoveView(ConfirmedManageView):
    """Remove a member from the partner, once the Admin confirms (a page without JavaScript, a dialog with it)."""

    def confirmation(self, member):
        """The page that asks first; nothing changes until its form is sent."""
        partner, user = member.partner, member.user
        yourself = user == self.request.user
        if yourself:
            question = _("Leave %(partner)s?") % {"partner": partner.name}
        else:
            question = _("Remove %(user)s from %(partner)s?") % {"user": person_display(user), "partner": partner.name}
        consequence = removal_consequence(partner, user, yourself=yourself)
        return confirmation_page(
            self.request,
            question=question,
            consequence=consequence,
            action=reverse("portal:member_remove", args=[member.pk]),
            confirm_label=_("Remove"),
            cancel_url=safe_next(self.request, "portal:users"),
        )

    def act(self, member):
        if member.user_id == self.request.user.id:  # an Admin removing themselves leaves
            membership_leave(membership=member)
            return _("You left %(partner)s.") % {"partner": member.partner.name}
        membership_remove(membership=member, actor=self.request.user)
        return _("%(user)s was removed.") % {"user": member.user}

    def get_success_url(self, member):
        if member.user_id == self.request.user.id and not Membership.objects.filter(pk=member.pk).exists():
            return landing_after_leaving(self.request)  # this partner's settings are no longer theirs
        return super().get_success_url(member)


@require_GET
@contact_information_not_required
@membership_required(role=Role.ADMIN)
def admin_handover_start(request):
    """Settings › Users' "Hand over the Admin role": the member named by email, then the page that asks first.

    One form at the page's foot rather than a button in every row: a partner may have thousands of members.
    """
    email = request.GET.get("email", "").strip()
    member = (
        Membership.objects.filter(partner=request.membership.partner, user__in=User.objects.with_email(email))
        .exclude(pk=request.membership.pk)
        .first()
        if email
        else None
    )
    if member is None:
        messages.error(request, _("%(email)s is not another member of this account.") % {"email": email or "—"})
        return redirect("portal:users")
    return redirect(
        f"{reverse('portal:admin_handover', args=[member.pk])}?{urlencode({'next': reverse('portal:users')})}"
    )


class AdminHandoverView(ConfirmedManageView):
    """An Admin makes another member Admin and steps down to Editor, once they confirm."""

    def confirmation(self, member):
        """The page that asks first; nothing changes until its form is sent."""
        names = {"user": person_display(member.user), "partner": member.partner.name}
        return confirmation_page(
            self.request,
            question=_("Make %(user)s Admin and step down?") % names,
            consequence=_(
                "%(user)s becomes an Admin of %(partner)s and you become an Editor: you will no longer manage "
                "its users. The change is recorded in the activity log."
            )
            % names,
            action=reverse("portal:admin_handover", args=[member.pk]),
            confirm_label=_("Make Admin and step down"),
            cancel_url=safe_next(self.request, "portal:users"),
        )

    def act(self, member):
        admin_handover(membership=self.request.membership, to=member, actor=self.request.user)
        return _("%(user)s is now Admin, and you are an Editor.") % {"user": member.user}


@require_http_methods(["GET", "HEAD", "POST"])
@contact_information_not_required
@membership_required
def leave(request):
    """A member leaves the current partner, once they confirm; then on to another of theirs, or none."""
    membership = request.membership
    partner = membership.partner
    back = safe_next(request, "portal:users")
    refusal = leave_refusal(membership)
    if refusal:  # no use asking: say why now
        messages.error(request, refusal)
        return redirect(back)
    if request.method != "POST" or not request.POST.get("confirmed"):
        return confirmation_page(
            request,
            question=_("Leave %(partner)s?") % {"partner": partner.name},
            consequence=removal_consequence(partner, request.user, yourself=True),
            action=reverse("portal:leave"),
            confirm_label=_("Leave"),
            cancel_url=back,
        )
    try:
        membership_leave(membership=membership)
    except MembershipError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(request, _("You left %(partner)s.") % {"partner": partner.name})
    return redirect(landing_after_leaving(request))


def removal_consequence(partner, user, *, yourself):
    """What leaving (or removing `user`) changes, for the confirmation: access, the alert contact role, and where
    their address is still used as a contact (it does not go with them: replace it there)."""
    used = addresses_used_by(partner, user)
    alert_contact = any(category is ALERT for category, _address in used)
    elsewhere = get_text_list(
        list(dict.fromkeys(str(category.label) for category, _address in used if category is not ALERT)), _("and")
    )
    if yourself:
        consequence = [_("You lose access to %(partner)s at once.") % {"partner": partner.name}]
        if alert_contact:
            consequence.append(_("Your alert contact role goes too."))
        if elsewhere:
            consequence.append(
                _("Your address is still used in %(categories)s: replace it there.") % {"categories": elsewhere}
            )
    else:
        consequence = [_("They lose access at once.")]
        if alert_contact:
            consequence.append(_("Their alert contact role goes too."))
        if elsewhere:
            consequence.append(
                _("Their address is still used in %(categories)s: replace it there.") % {"categories": elsewhere}
            )
    return " ".join(consequence)


def landing_after_leaving(request):
    """Where someone who just left lands: the dashboard of another partner of theirs, or the no-partner page."""
    other = Membership.objects.filter(user=request.user).select_related("partner").order_by("partner__name").first()
    if other is not None:
        set_current_partner(request, other)
    else:
        request.session.pop(SESSION_KEY, None)
    return reverse("portal:dashboard")


class InvitationResendView(ManageView):
    """Send a fresh link for a pending invitation."""

    model = Invitation

    def act(self, invitation):
        invitation_resend(invitation=invitation, actor=self.request.user, request=self.request)
        return _("A new link was sent to %(email)s.") % {"email": invitation.email}


class InvitationRevokeView(ManageView):
    """Cancel a pending invitation."""

    model = Invitation

    def act(self, invitation):
        invitation_revoke(invitation=invitation, actor=self.request.user)
        return _("The invitation to %(email)s was revoked.") % {"email": invitation.email}


@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_post_parameters("password1", "password2")
@never_cache
@login_not_required
@contact_information_not_required
def accept_invitation(request, token):
    """Where an invitation link lands: set a name and password, or sign in, then join the partner."""
    invitation = invitation_for_token(token)
    if invitation is None or not invitation.is_pending:
        return render(request, "portal/invitation_invalid.html", {"invitation": invitation}, status=410)
    context = invitation_context(invitation)
    if request.user.is_authenticated:
        if not request.user.has_email(invitation.email):
            return render(request, "portal/invitation_other_user.html", context, status=403)
        if request.method != "POST":
            return render(request, "portal/invitation_accept.html", context)
        try:
            membership = invitation_accept(invitation=invitation, user=request.user)
        except MembershipError:
            return render(request, "portal/invitation_invalid.html", context, status=410)
        return _welcome(request, membership)
    if User.objects.with_email(invitation.email).exists():
        login_url = f"{reverse('login')}?{urlencode({'next': request.path})}"
        return render(request, "portal/invitation_accept.html", {**context, "login_url": login_url})
    form = AcceptInvitationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        membership = form.save()
        if membership is None:  # someone used the link a moment before us
            return render(request, "portal/invitation_invalid.html", context, status=410)
        login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        return _welcome(request, membership)
    return render(request, "portal/invitation_accept.html", {**context, "form": form})


def _welcome(request, membership):
    set_current_partner(request, membership)
    messages.success(request, _("Welcome to %(partner)s.") % {"partner": membership.partner.name})
    return redirect("portal:dashboard")
