"""Sign-in helpers: how django-axes names the account tried, and the page it shows while sign-in is paused."""

import ipaddress

from django.conf import settings
from django.shortcuts import render

from accounts.identity import canonical_email


def client_ip(request):
    """The address sign-in throttling counts failures against.

    Directly on the internet, the peer (REMOTE_ADDR). Behind PROXY_COUNT trusted proxies, each appending the
    address it saw to X-Forwarded-For, the client is the PROXY_COUNT-th entry from the right: whatever a client
    writes further left is its own invention and never trusted. Without BEHIND_PROXY the header is ignored.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    count = settings.PROXY_COUNT if settings.BEHIND_PROXY else 0
    entries = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if count < 1 or len(entries) < count:
        return peer  # no proxy, or a request that did not come through all of them
    entry = entries[-count]
    if entry.startswith("["):  # [2001:db8::1]:443
        entry = entry[1:].partition("]")[0]
    elif entry.count(":") == 1:  # 198.51.100.7:443
        entry = entry.partition(":")[0]
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return peer


def attempted_email(request, credentials=None):
    """The account a sign-in attempt targets, in one spelling, so changing case cannot dodge throttling."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return canonical_email(value)


def locked_out(request, original_response=None, credentials=None):
    """The page shown while sign-in is paused: says for how long, in the reader's language."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
