"""Sign-in helpers: how django-axes names the account tried, and the page it shows while sign-in is paused."""

from django.conf import settings
from django.shortcuts import render

from accounts.models import normalize_email


def attempted_email(request, credentials=None):
    """The account a sign-in attempt targets, in one spelling, so changing case cannot dodge throttling."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalize_email(value).casefold()


def locked_out(request, original_response=None, credentials=None):
    """The page shown while sign-in is paused: says for how long, in the reader's language."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
