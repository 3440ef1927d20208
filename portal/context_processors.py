"""What the portal shell needs on every page beyond request.membership, request.memberships and request.environment."""

from django.conf import settings

from partners.environments import Environment


def shell(request):
    """The environments the header's switch offers, and what the disabled-integration banner says.

    `disabled_partner` is a callable, which templates call only where they use it: it reads the partner loaded
    with the current membership (no query of its own) and never loads the membership for a page that does not.
    """

    def disabled_partner():
        membership = getattr(request, "membership", None)
        return membership.partner if membership and membership.partner.is_disabled else None

    return {
        "environments": Environment,
        "disabled_partner": disabled_partner,
        "operations_email": settings.OPERATIONS_EMAIL,
    }
