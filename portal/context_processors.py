"""What the portal shell needs on every page beyond request.membership, request.memberships and request.environment."""

from django.conf import settings

from contacts.completeness import REQUIREMENTS
from partners.environments import Environment


def shell(request):
    """The environments the header's switch offers, and what the banners say (disabled integration, due requirements).

    `disabled_partner` and `due_requirements` are callables, which templates call only where they use them: they read
    the partner loaded with the current membership (no query of their own) and never load the membership for a page
    that does not.
    """

    def disabled_partner():
        membership = getattr(request, "membership", None)
        return membership.partner if membership and membership.partner.is_disabled else None

    def due_requirements():
        membership = getattr(request, "membership", None)
        if not membership:
            return None
        codes, deadline = membership.partner.currently_due(request.environment)
        if not codes:
            return None
        return {"requirements": [REQUIREMENTS[code] for code in codes if code in REQUIREMENTS], "deadline": deadline}

    return {
        "environments": Environment,
        "due_requirements": due_requirements,
        "disabled_partner": disabled_partner,
        "operations_email": settings.OPERATIONS_EMAIL,
    }
