"""The onboarding gate: nothing else in the portal until the contact information is complete."""

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from contacts.completeness import stored_answer

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def is_script(request):
    """Whether the request comes from a script (htmx, or one that prefers JSON to HTML) rather than a page."""
    if request.headers.get("HX-Request"):
        return True
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


class ContactInformationRequiredMiddleware:
    """Send members of a partner whose contact information is incomplete to the onboarding modal.

    Like LoginRequiredMiddleware it works in process_view and reads a mark set on the view, so
    unknown URLs still 404 and no URL lists exist. It reads only request.membership (set by
    partners' CurrentPartnerMiddleware, which the view needs anyway) and its partner, which carries
    the stored completeness answer: no query of its own, and none at all for exempt views.
    """

    modal_url_name = "contacts:onboarding"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "contact_information_required", True):
            return None
        if not request.user.is_authenticated or not request.membership:
            return None
        missing = request.membership.partner.missing_contacts(request.environment)
        if not missing:
            return None
        return self.handle_incomplete(request, missing)

    def get_modal_url(self, request):
        """Where to complete the contact information, coming back to this page afterwards."""
        url = reverse(self.modal_url_name)
        if request.method in SAFE_METHODS:
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return url

    def handle_incomplete(self, request, missing):
        """Answer a gated request: the modal for a navigation, JSON for a script, 403 for a change."""
        modal_url = self.get_modal_url(request)
        if is_script(request):
            answer = stored_answer(request.membership.partner, request.environment)
            response = JsonResponse(
                {"error": "contact_information_required", **answer.as_json(), "modal_url": modal_url}, status=403
            )
            if request.headers.get("HX-Request"):
                response["HX-Redirect"] = modal_url
            return response
        if request.method not in SAFE_METHODS:
            return render(request, "contacts/gate_refused.html", {"modal_url": modal_url}, status=403)
        return redirect(modal_url)
