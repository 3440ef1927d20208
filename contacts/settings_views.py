"""Settings › Contact information: the summary, one section's edit page, and "Still correct"."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.navigation import parse_small_int, safe_next
from contacts.categories import CATEGORIES_BY_CODE, Kind, categories_for
from contacts.coverage import coverage_for
from contacts.decorators import contact_information_not_required
from contacts.drafts import draft_for
from contacts.forms.fields import country_name
from contacts.services import ContactInformationConflict, contact_information_for, contact_information_review
from contacts.summary import contact_summary
from contacts.views import handle_contact_form
from partners.decorators import membership_required
from partners.models import Role


@require_http_methods(["GET", "HEAD"])
@membership_required
def summary(request):
    """Settings › Contact information: every category at a glance, with its state and its last change."""
    membership = request.membership
    partner = membership.partner
    summary = contact_summary(partner=partner, environment=request.environment)
    context = {
        "summary": summary,
        "environment": request.environment,
        "can_edit": membership.can_edit_contacts,
        "can_manage": membership.can_manage_users,
        "phone_country": country_name(partner.phone_region),
        "coverage": coverage_for(request, summary.support_windows, all_week=summary.info.support_24_7),
        # Unsaved changes typed in the full form: say so here, where Settings now opens, so they are not forgotten.
        "draft": draft_for(membership) if membership.can_edit_contacts else None,
    }
    return render(request, "contacts/summary.html", context)


def shown_category(partner, code):
    """The category `code` if it is shown for this partner's integration, else 404."""
    category = CATEGORIES_BY_CODE.get(code)
    if category is None or category not in categories_for(partner.integration_kind):
        raise Http404
    return category


@require_http_methods(["GET", "HEAD", "POST"])
@membership_required
def edit_section(request, category):
    """Edit one category alone, with the same checks and conflict handling as the full form."""
    category = shown_category(request.membership.partner, category)
    if not request.membership.can_edit_contacts:
        raise PermissionDenied
    summary_url = f"{reverse('contacts:settings')}#{category.anchor}"
    context = {"category": category, "summary_url": summary_url, "environment": request.environment}
    if category.kind == Kind.MEMBERS and not request.environment.has_alert_contacts:
        # Nothing to save here: say why, and offer the switch that makes the section editable.
        return render(request, "contacts/section_edit.html", {**context, "production_only": True})
    return handle_contact_form(
        request,
        template="contacts/section_edit.html",
        success_url=summary_url,
        extra_context=context,
        only=category.code,
        draft=False,
    )


@require_POST
@contact_information_not_required  # the modal asks for it once the yearly review is past due
@membership_required(role=Role.EDITOR)
def review(request):
    """Record a "Still correct": the contact information, as the reviewer saw it, needs no change."""
    info = contact_information_for(request.membership.partner)
    seen = parse_small_int(request.POST.get("version"))
    try:
        if seen != info.version:
            raise ContactInformationConflict(info.version)
        contact_information_review(info=info, actor=request.user)
    except ContactInformationConflict:
        messages.error(
            request,
            _("The contact information changed since you opened this page: check it below, then confirm again."),
        )
    else:
        messages.success(request, _("Thank you: the contact information is recorded as still correct."))
    return redirect(safe_next(request, default="contacts:settings"))
