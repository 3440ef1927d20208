"""The onboarding modal and Settings › Contact information: one form, two frames."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.navigation import safe_next
from contacts.decorators import contact_information_not_required
from contacts.forms import ContactInformationForm, time_zone_datalist, with_added_row
from contacts.history import changes_since
from contacts.services import ContactInformationConflict, contact_information_for, contact_information_save
from partners.decorators import membership_required
from partners.panels import users_panel_context


def handle_contact_form(request, *, template, success_url, extra_context=None, submitted=None, status=200):
    """Show, validate and save the contact information form; shared by the modal and Settings."""
    membership, environment = request.membership, request.environment
    info = contact_information_for(membership.partner)
    read_only = not membership.can_edit_contacts
    submitted = request.method == "POST" if submitted is None else submitted
    if submitted and read_only:
        raise PermissionDenied
    conflict = None
    if submitted and request.POST.get("add_row"):
        # Asking for another row is not a submission: show what was typed, unjudged, with one more row.
        posted = with_added_row(request.POST, request.POST["add_row"])
        form = ContactInformationForm(posted, info=info, environment=environment).redisplay()
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
        elif not stale and form.posted_version is not None:
            # Invalid: perhaps only because a colleague changed things since our check (a member they removed
            # is still ticked here). If the stored version moved, the honest answer is the conflict page.
            stale = contact_information_for(membership.partner).version != form.posted_version
        if stale:
            # Show what changed meanwhile, keep everything the user typed, and rebase it on the
            # current version: saving again is a deliberate choice made after seeing the changes.
            conflict = changes_since(membership.partner, form.posted_version or 0)
            form = form.redisplay(rebase_on=contact_information_for(membership.partner))
    else:
        form = ContactInformationForm(info=info, environment=environment, read_only=read_only)
    context = {
        "form": form,
        "show_errors": form.is_bound,
        "conflict": conflict,
        "environment": environment,
        "editors": membership.partner.memberships.editors_and_admins().select_related("user") if read_only else (),
        "time_zone_datalist": time_zone_datalist(),
        **(extra_context or {}),
    }
    return render(request, template, context, status=409 if conflict is not None else status)


@require_http_methods(["GET", "HEAD", "POST"])
@membership_required
def edit(request):
    """Settings › Contact information."""
    return handle_contact_form(request, template="contacts/edit.html", success_url=reverse("contacts:edit"))


@require_http_methods(["GET", "HEAD", "POST"])
@contact_information_not_required
@membership_required
def onboarding(request):
    """The blocking modal: complete the contact information, or hand it over from the Users tab."""
    if request.method != "POST" and request.membership.partner.contacts_complete(request.environment):
        return redirect(safe_next(request))
    return onboarding_page(request)


def users_tab_url(request):
    """The modal opened on its Users tab, still leading to the page first asked for."""
    return f"{reverse('contacts:onboarding')}?{urlencode({'next': safe_next(request)})}#panel-users"


def onboarding_page(request, *, invite_form=None, status=200):
    """The modal; given an invitation form to show again (sent from its Users tab), on that tab."""
    next_url = safe_next(request)
    return handle_contact_form(
        request,
        template="contacts/onboarding.html",
        success_url=next_url,
        submitted=request.method == "POST" and invite_form is None,
        status=status,
        extra_context={
            "next_url": next_url,
            "active_tab": "users" if invite_form else "contacts",
            "collapse_complete": True,
            "back_to": users_tab_url(request),
            "invite_frame": "onboarding",
            **users_panel_context(request, invite_form=invite_form, page=request.GET.get("page")),
        },
    )
