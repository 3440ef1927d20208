"""Pages shown to a signed-in person carry their data: no shared cache may keep them."""

from django.contrib.auth import SESSION_KEY
from django.utils.cache import patch_cache_control


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
