"""Sign-in helpers."""

from portal.models import normalize_email


def attempted_email(request, credentials=None):
    """The account a sign-in attempt targets, in one spelling, so changing case cannot dodge throttling."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalize_email(value).casefold()
