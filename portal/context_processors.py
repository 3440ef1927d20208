"""What the portal shell needs on every page: the current membership, environment and partners."""

from django.utils.functional import SimpleLazyObject

from portal.current import get_current_membership
from portal.environments import Environment, get_environment


def shell(request):
    """Header data, loaded only when a template reads it."""
    if not hasattr(request, "session"):
        return {}

    def other_memberships():
        membership = get_current_membership(request)
        if membership is None:
            return []
        return list(
            request.user.memberships.select_related("partner").exclude(pk=membership.pk).order_by("partner__name")
        )

    return {
        "current_membership": SimpleLazyObject(lambda: get_current_membership(request)),
        "current_environment": get_environment(request),
        "environments": Environment,
        "other_memberships": SimpleLazyObject(other_memberships),
    }
