"""What the portal shell needs on every page beyond request.membership, request.memberships and request.environment."""

from partners.environments import Environment


def shell(request):
    """The environments the header's switch offers."""
    return {"environments": Environment}
