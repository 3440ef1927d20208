"""The API's body limit, enforced from the request's Content-Length before anything reads the body."""

from django.utils import translation
from django.utils.translation import gettext as _

from contacts.api.problems import problem_response

API_PATH_PREFIX = "/api/"
MAX_BODY_BYTES = 256 * 1024


class APIBodyLimitMiddleware:
    """Refuse an API request whose body is over 256 KB with `413`, from its `Content-Length` alone.

    Django's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE) answers 400, and only once something reads the body; this
    answers first, so no worker reads a body it will refuse. A body sent without a length (chunked) is still
    held to Django's limit when read. Placed first in MIDDLEWARE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PATH_PREFIX) and self.too_large(request):
            # Before LocaleMiddleware: the request's language is read here, from Accept-Language alone.
            with translation.override(translation.get_language_from_request(request)):
                return problem_response(
                    status=413,
                    code="body_too_large",
                    title=_("The request body is too large: at most %(limit)d KB.") % {"limit": MAX_BODY_BYTES // 1024},
                )
        return self.get_response(request)

    @staticmethod
    def too_large(request):
        try:
            return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES
        except ValueError:  # no length Django could read either: it reads no body
            return False
