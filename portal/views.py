"""The portal shell: dashboard, launch, activity, help, health check, and the partner, environment, language switch."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.navigation import parse_small_int, safe_next
from accounts.services import user_language_set
from contacts.completeness import DUE_LATER, REQUIREMENTS, REVIEW, Requirement, stored_answer
from contacts.decorators import contact_information_not_required
from contacts.history import contact_changes
from contacts.services import launch_blockers, launch_refusal, partner_launch
from contacts.warnings import warnings_grouped, warnings_stored
from partners.decorators import membership_required
from partners.environments import Environment, set_environment
from partners.middleware import set_current_partner
from partners.models import Activity, Role
from partners.services import MembershipError


@dataclass(frozen=True)
class ChecklistItem:
    """One requirement on the dashboard: what, in which state (past_due, currently_due, eventually_due), by when."""

    requirement: Requirement
    state: str
    deadline: datetime | None = None

    @property
    def code(self):
        return self.requirement.code


def checklist(partner, environment):
    """Every requirement of one environment, past due first, read from the stored answer (no query)."""
    answer = stored_answer(partner, environment)
    states = (
        ("past_due", answer.past_due),
        ("currently_due", answer.currently_due),
        ("eventually_due", answer.eventually_due),
    )
    return [
        ChecklistItem(REQUIREMENTS[code], state, answer.deadlines.get(code))
        for state, codes in states
        for code in codes
        if code in REQUIREMENTS
    ]


@require_GET
@membership_required
def dashboard(request):
    """Home: where the integration stands, and what is left before launch (or due since)."""
    partner = request.membership.partner
    return render(
        request,
        "portal/dashboard.html",
        {
            "partner": partner,
            # The review is the account's, not an environment's: listed once, under Production.
            "sandbox_checklist": [item for item in checklist(partner, Environment.SANDBOX) if item.code != REVIEW],
            "production_checklist": checklist(partner, Environment.PRODUCTION),
            "launch_blocked": bool(launch_blockers(partner)),
            "launch_codes": DUE_LATER,
            "warning_groups": warnings_grouped(warnings_stored(partner)),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@membership_required(role=Role.ADMIN)
def launch(request):
    """Launch the integration once Production contact information is complete, after the Admin confirms."""
    partner = request.membership.partner
    if request.method != "POST" or not request.POST.get("confirmed"):
        refusal = launch_refusal(partner)
        if refusal:  # no use asking: say why now
            messages.error(request, refusal)
            return redirect("portal:dashboard")
        return confirmation_page(
            request,
            question=_("Launch the integration of %(partner)s?") % {"partner": partner.name},
            consequence=_(
                "Production alerts start going to your alert contacts, and the launch is recorded in the "
                "activity log. A launch cannot be undone."
            ),
            action=reverse("portal:launch"),
            confirm_label=_("Launch"),
            cancel_url=reverse("portal:dashboard"),
        )
    try:
        partner_launch(partner=partner, actor=request.user)
    except MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "Launched. Production alerts are emailed to your alert contacts; "
                "Settings › Notifications lists everything sent to this account."
            ),
        )
    return redirect("portal:dashboard")


def confirmation_page(request, *, question, consequence, action, confirm_label, cancel_url):
    """Ask before an action that cannot be taken back: a page whose form posts `confirmed` (static/portal/confirm.js
    asks in a dialog instead, where it can). Nothing changes until that form is sent."""
    context = {
        "question": question,
        "consequence": consequence,
        "action": action,
        "confirm_label": confirm_label,
        "cancel_url": cancel_url,
    }
    return render(request, "portal/confirm.html", context)


@require_GET
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


@require_GET
@login_not_required
@contact_information_not_required
def help_page(request):
    """How to get help; reachable by anyone, gated or not."""
    return render(request, "portal/help.html")


@require_http_methods(["GET", "HEAD"])
@login_not_required
@contact_information_not_required
def health(request):
    """Liveness probe for load balancers."""
    return HttpResponse("ok", content_type="text/plain")


@require_POST
@login_not_required
@contact_information_not_required
def set_language(request):
    """Django's language switch, reachable from the modal and the sign-in page. A signed-in member's choice is
    also the language of the emails they receive (their profile says so too)."""
    response = i18n.set_language(request)
    user_language_set(user=request.user, language=request.POST.get("language"))
    return response


@require_POST
@contact_information_not_required
def switch_environment(request):
    """Work in Sandbox or Production for the rest of the session."""
    value = request.POST.get("environment")
    if value in Environment.values:
        set_environment(request, value)
    return redirect(safe_next(request))


@require_POST
@contact_information_not_required
def switch_partner(request):
    """Work in another partner the user belongs to."""
    partner_id = parse_small_int(request.POST.get("partner"), limit=2**63 - 1)
    membership = next((m for m in request.memberships if m.partner_id == partner_id), None)
    if membership is None:
        raise Http404
    set_current_partner(request, membership)
    return redirect("portal:dashboard")
