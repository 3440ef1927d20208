"""Settings › API keys: Admins create the partner's keys, each shown once, and revoke them."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from contacts.api.forms import APIKeyForm
from contacts.api.models import APIKey
from contacts.api.services import api_key_revoke
from contacts.decorators import contact_information_not_required
from partners.decorators import membership_required
from partners.models import Role


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache  # the POST's answer shows a key: no cache, shared or the browser's own, may keep a copy
@contact_information_not_required  # the API is a way through the onboarding gate: its keys must be reachable
@membership_required(role=Role.ADMIN)
def keys(request):
    """Settings › API keys: the partner's keys, and the form that creates one.

    A created key is shown in the POST's own answer, once: it is never put in the session, a message or a URL.
    """
    partner = request.membership.partner
    form = APIKeyForm(request.POST if request.method == "POST" else None, partner=partner, actor=request.user)
    if form.is_bound and form.is_valid() and (created := form.save()):
        key, text = created
        context = {"key": key, "key_text": text, "base_url": settings.PORTAL_BASE_URL.rstrip("/")}
        # The curl example asks for what any key may read.
        example_path = reverse("api_v1:contact_information")
        return render(request, "api/key_created.html", {**context, "example_path": example_path})
    active = APIKey.objects.active().filter(partner=partner).select_related("created_by")
    context = {
        "form": form,
        "keys": active,
        "docs_url": reverse("api_v1:openapi-view"),
        "revoke_detail": revoke_consequence(),
    }
    return render(request, "api/keys.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@contact_information_not_required
@membership_required(role=Role.ADMIN)
def revoke(request, pk):
    """Revoke one of the partner's keys, once the Admin confirms (a page without JavaScript, a dialog with it)."""
    key = get_object_or_404(APIKey.objects.select_related("partner"), pk=pk, partner=request.membership.partner)
    if request.method != "POST" or not request.POST.get("confirmed"):
        context = {
            "question": _("Revoke the API key “%(name)s”?") % {"name": key.name},
            "consequence": revoke_consequence(),
            "action": reverse("api_keys:revoke", args=[key.pk]),
            "confirm_label": _("Revoke"),
            "cancel_url": reverse("api_keys:list"),
        }
        return render(request, "portal/confirm.html", context)
    api_key_revoke(key=key, actor=request.user)
    messages.success(request, _("The API key “%(name)s” was revoked.") % {"name": key.name})
    return redirect("api_keys:list")


def revoke_consequence():
    """What revoking changes, said on the confirmation page and in the dialog alike."""
    return _("Scripts that use it are refused from their next request. A revoked key cannot be used again.")
