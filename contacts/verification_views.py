"""The page a confirmation link opens, and the Resend button beside an address waiting for confirmation."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from contacts.decorators import contact_information_not_required
from contacts.drafts import draft_keep
from contacts.models import AddressVerification
from contacts.verification import (
    CONFIRM_WITHIN,
    VerificationLinkInvalid,
    VerificationRefused,
    verification_confirm,
    verification_for_token,
    verification_resend,
)
from contacts.views import safe_back
from partners.decorators import membership_required
from partners.models import Role


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@login_not_required
@contact_information_not_required
def confirm(request, token):
    """Show the address and the partner with a Confirm button. Only the POST confirms: mail scanners fetch links."""
    verification = verification_for_token(token)
    if verification is None:
        return _link_invalid(request)
    context = {"verification": verification, "partner": verification.partner}
    if request.method == "POST":
        try:
            verification_confirm(verification=verification)
        except VerificationLinkInvalid:
            return _link_invalid(request)
        context["done"] = True
    # In the email's language, unless the visitor chose one with the language switch.
    language = get_language()
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and verification.language:
        language = verification.language
    with override(language):
        response = render(request, "contacts/verify_address.html", context)
    response["Content-Language"] = language
    return response


def _link_invalid(request):
    """410 Gone, saying why: the link was used already, replaced by a newer one, expired, or mistyped."""
    context = {"valid_hours": int(CONFIRM_WITHIN.total_seconds() // 3600)}
    return render(request, "contacts/verify_address_invalid.html", context, status=410)


# The pages whose form keeps a draft: a Resend pressed there keeps what was typed, as the switches do.
def _draft_pages():
    return {reverse("contacts:edit"), reverse("contacts:onboarding")}


@require_POST
@contact_information_not_required
@membership_required(role=Role.EDITOR)
def resend(request, pk):
    """Send a new confirmation link to one of the current partner's addresses, then go back to the page."""
    membership = request.membership
    verification = get_object_or_404(AddressVerification, pk=pk, partner=membership.partner)
    back = safe_back(request)
    if "general-version" in request.POST and back.split("?", 1)[0] in _draft_pages():
        # Pressed on the contact form (it submits the form): keep what was typed, to find it again.
        draft_keep(membership=membership, environment=request.environment, post=request.POST)
    try:
        verification_resend(verification=verification)
    except VerificationRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, _("A new confirmation email is on its way to %(address)s.") % {"address": verification.address}
        )
    return redirect(back)
