"""The onboarding modal and Settings › Contact information: one form, two frames."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contacts.decorators import contact_information_not_required
from contacts.forms import ContactInformationForm, time_zone_datalist
from contacts.history import changes_since
from contacts.services import ContactInformationConflict, contact_information_for, contact_information_save
from portal.current import membership_required
from portal.environments import get_environment
from portal.navigation import parse_small_int, safe_next
from portal.users import InvitationForm, handle_invitation, users_context


def with_added_row(data, prefix):
    """A copy of the posted data with one more blank row in a formset: 'Add another' without JavaScript."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    total = parse_small_int(data.get(key))
    if total is not None:
        data[key] = str(min(total + 1, 40))
    return data


def handle_contact_form(request, membership, *, template, success_url, extra_context=None, submitted=None):
    """Show, validate and save the contact information form; shared by the modal and Settings."""
    info = contact_information_for(membership.partner)
    environment = get_environment(request)
    read_only = not membership.can_edit_contacts
    submitted = request.method == "POST" if submitted is None else submitted
    if submitted and read_only:
        raise PermissionDenied
    show_errors = True
    conflict = None
    if submitted and request.POST.get("add_row"):
        form = ContactInformationForm(
            with_added_row(request.POST, request.POST["add_row"]), info=info, environment=environment
        )
        form.hide_errors()
        show_errors = False
    elif submitted:
        form = ContactInformationForm(request.POST, info=info, environment=environment)
        stale = form.is_stale()
        if not stale and form.is_valid():
            try:
                contact_information_save(form=form, actor=request.user)
            except ContactInformationConflict:
                stale = True  # someone saved between our check and our save
            else:
                messages.success(request, _("Contact information saved."))
                return redirect(success_url)
        if stale:
            # Show what changed meanwhile, keep everything the user typed, and rebase it on the
            # current version: saving again is a deliberate choice made after seeing the changes.
            info = contact_information_for(membership.partner)
            conflict = changes_since(membership.partner, form.posted_version or 0)
            form = ContactInformationForm(form.resubmission_data(info.version), info=info, environment=environment)
            form.hide_errors()
            show_errors = False
    else:
        form = ContactInformationForm(info=info, environment=environment, read_only=read_only)
    context = {
        "form": form,
        "show_errors": show_errors and form.is_bound,
        "conflict": conflict,
        "environment": environment,
        "editors": membership.partner.memberships.editors_and_admins().select_related("user") if read_only else (),
        "time_zone_datalist": time_zone_datalist(),
        **(extra_context or {}),
    }
    return render(request, template, context, status=409 if conflict else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@membership_required
def edit(request):
    """Settings › Contact information."""
    return handle_contact_form(
        request,
        request.membership,
        template="contacts/edit.html",
        success_url=reverse("contacts:edit"),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@contact_information_not_required
@membership_required
def onboarding(request):
    """The blocking modal: complete the contact information, or hand it over from the Users tab."""
    membership = request.membership
    next_url = safe_next(request)
    if request.method != "POST" and membership.partner.contacts_complete(get_environment(request)):
        return redirect(next_url)
    users_tab_url = f"{request.path}?{urlencode({'next': next_url})}#panel-users"
    invite_form = None
    if request.method == "POST" and request.POST.get("form") == "invite":
        result = handle_invitation(request, membership, back_to=users_tab_url)
        if not isinstance(result, InvitationForm):
            return result
        invite_form = result
    return handle_contact_form(
        request,
        membership,
        template="contacts/onboarding.html",
        success_url=next_url,
        submitted=request.method == "POST" and invite_form is None,
        extra_context={
            "next_url": next_url,
            "active_tab": "users" if invite_form else "contacts",
            "collapse_complete": True,
            "back_to": users_tab_url,
            **users_context(membership, invite_form, page=request.GET.get("page")),
        },
    )
