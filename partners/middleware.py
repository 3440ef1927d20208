"""The partner a signed-in user is working in, and the environment: lazy request attributes, like request.user."""

from django.utils.functional import SimpleLazyObject

from partners.environments import get_environment
from partners.models import Membership

SESSION_KEY = "portal_partner_id"


def load_memberships(request):
    """Every membership of the signed-in user with its partner, current one first (one query), or []."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    memberships = list(Membership.objects.select_related("partner").filter(user=user).order_by("partner__name", "pk"))
    chosen = request.session.get(SESSION_KEY)
    current = next((m for m in memberships if m.partner_id == chosen), memberships[0] if memberships else None)
    if current is None:
        return []
    if chosen != current.partner_id:
        request.session[SESSION_KEY] = current.partner_id
    return [current, *(m for m in memberships if m is not current)]


def set_current_partner(request, membership):
    """Work in another of the user's partners from now on."""
    request.session[SESSION_KEY] = membership.partner_id
    request.memberships = [membership]
    request.membership = membership


class CurrentPartnerMiddleware:
    """Set request.membership (the user's place in the current partner, or None), request.memberships (all of
    them, current first, for the partner switcher) and request.environment.

    Each is read only when used, and the memberships cost one query for all three, whoever reads first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        memberships = SimpleLazyObject(lambda: load_memberships(request))
        request.memberships = memberships
        request.membership = SimpleLazyObject(lambda: memberships[0] if memberships else None)
        request.environment = SimpleLazyObject(lambda: get_environment(request))
        return self.get_response(request)
