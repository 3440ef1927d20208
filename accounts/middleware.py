"""Pages shown to a signed-in person carry their data: no shared cache may keep them; and their times are shown
on the reader's own clock."""

import zoneinfo
from functools import cache

from django.contrib.auth import SESSION_KEY
from django.utils import timezone
from django.utils.cache import patch_cache_control

# The browser's own time zone, as static/contacts/timezone.js reads it (Intl) and remembers it in a cookie.
BROWSER_TIME_ZONE_COOKIE = "browser_time_zone"


@cache
def known_time_zones():
    """Every IANA zone this machine knows (read once: the scan is slow)."""
    return frozenset(zoneinfo.available_timezones())


def browser_time_zone(request):
    """The zone the viewer's browser reported, when it is a real one; else None."""
    name = request.COOKIES.get(BROWSER_TIME_ZONE_COOKIE, "").strip()
    return zoneinfo.ZoneInfo(name) if name in known_time_zones() else None


class BrowserTimeZoneMiddleware:
    """Show dates and times in the viewer's own time zone (their browser's), not the server's UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = browser_time_zone(request)
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        return self.get_response(request)


class PrivatePagesMiddleware:
    """Mark every response to a signed-in session `Cache-Control: private, no-store`, unless the view decided.

    It reads only a session the request already opened, so it costs no query, even on the health check.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.accessed
            and SESSION_KEY in session
            and not response.has_header("Cache-Control")
        ):
            patch_cache_control(response, private=True, no_store=True)
        return response
