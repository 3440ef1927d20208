"""The portal shell: dashboard, help, health check and the partner, environment and language switches."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_GET, require_POST

from contacts.completeness import REQUIREMENTS
from contacts.decorators import contact_information_not_required
from portal.current import membership_required, set_current_partner
from portal.environments import Environment, set_environment
from portal.models import Membership, Role
from portal.navigation import parse_small_int, safe_next
from portal.services import MembershipError, partner_launch


def checklist(partner, environment):
    """The missing requirements of one environment, as completeness codes with their messages."""
    return [REQUIREMENTS[code] for code in partner.missing_contacts(environment) if code in REQUIREMENTS]


@require_GET
@membership_required
def dashboard(request):
    """Home: where the integration stands, and what is left before launch."""
    partner = request.membership.partner
    return render(
        request,
        "portal/dashboard.html",
        {
            "partner": partner,
            "sandbox_checklist": checklist(partner, Environment.SANDBOX),
            "production_checklist": checklist(partner, Environment.PRODUCTION),
        },
    )


@require_GET
@login_not_required
@contact_information_not_required
def help_page(request):
    """How to get help; reachable by anyone, gated or not."""
    return render(request, "portal/help.html")


@require_GET
@login_not_required
@contact_information_not_required
def health(request):
    """Liveness probe for load balancers."""
    return HttpResponse("ok", content_type="text/plain")


@require_POST
@login_not_required
@contact_information_not_required
def set_language(request):
    """Django's language switch, reachable from the modal and the sign-in page."""
    return i18n.set_language(request)


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
    if partner_id is None:
        raise Http404
    membership = get_object_or_404(
        Membership.objects.select_related("partner"), user=request.user, partner_id=partner_id
    )
    set_current_partner(request, membership)
    return redirect("portal:dashboard")


@require_POST
@membership_required(role=Role.ADMIN)
def launch(request):
    """Launch the integration once Production contact information is complete."""
    try:
        partner_launch(partner=request.membership.partner, actor=request.user)
    except MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Launched. Alerts now go to your alert contacts."))
    return redirect("portal:dashboard")
