"""Where to send the user next, only ever within this site."""

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def parse_small_int(value, *, limit=2**31 - 1):
    """A non-negative integer typed in ASCII digits and within `limit`, or None (never an exception)."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= limit else None


def safe_next(request, default="portal:dashboard"):
    """The page first asked for (`next`), if it is on this site; otherwise the default page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only paths of this site: "/settings/", never "//host", "https:host" or a bare word.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)
