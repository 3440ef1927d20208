"""/api/v1/: the contact information, its requirements and the notifications, for a partner's scripts.

Thin views: keys and limits are contacts.api.services', every rule about the contact information is the form's
(contacts.api.documents posts the document to it) and contact_information_save records the change as a form save does.
"""

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.security import HttpBearer

from contacts.api import schemas
from contacts.api.documents import bound_form, document_errors, document_of, form_errors
from contacts.api.problems import PROBLEM_CONTENT_TYPE, json_pointer, problem_response
from contacts.api.services import api_key_admit, api_key_find
from contacts.completeness import stored_answer
from contacts.decorators import contact_information_not_required
from contacts.notifications.models import Notification
from contacts.services import ContactInformationConflict, contact_information_for, contact_information_save
from contacts.warnings import warnings_stored
from partners.environments import Environment
from partners.services import lock_partner

MAX_PAGE = 100


class RateLimited(Exception):
    def __init__(self, retry_after):
        super().__init__(f"rate limit reached: retry after {retry_after} s")
        self.retry_after = retry_after


class KeyAuth(HttpBearer):
    """`Authorization: Bearer KEY`: an active key, counted against its rate (request.auth is the key)."""

    def authenticate(self, request, token):
        key = api_key_find(token.strip())
        if key is None:
            return None
        admission = api_key_admit(key)
        if not admission.allowed:
            raise RateLimited(admission.retry_after)
        return key


ETAG_HEADER = {
    "description": "The version of the contact information, as If-Match names it.",
    "schema": {"type": "string"},
}
CONDITIONS = {
    # (method, header, required, description): the headers the views read themselves, for the document.
    "get": ("If-None-Match", False, "The ETag you hold: 304 and no body while it is current."),
    "put": (
        "If-Match",
        True,
        'The ETag of what you read (`"7"`): 412 when someone changed it since. `*` replaces whatever is stored.',
    ),
}


class PortalAPI(NinjaAPI):
    """The generated document, completed with what django-ninja cannot say: problem responses are
    application/problem+json, as problem_response sends them (it gives every model the renderer's
    application/json), and the contact information's conditional headers and ETag, which its views read and set
    themselves."""

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        problem = {"$ref": "#/components/schemas/Problem"}
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                for response in operation["responses"].values():
                    content = response.get("content", {})
                    if list(content) == ["application/json"] and content["application/json"].get("schema") == problem:
                        response["content"] = {PROBLEM_CONTENT_TYPE: content["application/json"]}
                if path.endswith("/contact-information"):
                    header, required, description = CONDITIONS[method]
                    operation.setdefault("parameters", []).append(
                        {
                            "in": "header",
                            "name": header,
                            "required": required,
                            "description": description,
                            "schema": {"type": "string"},
                        }
                    )
                    for status, response in operation["responses"].items():
                        if str(status) in {"200", "304", "412", "428"}:
                            response.setdefault("headers", {})["ETag"] = ETAG_HEADER
        return schema


api = PortalAPI(
    title="Partner Portal API",
    version="1",
    description=(
        "Read and replace your account's contact information, and read what it still needs, from your own tools. "
        "Authenticate with an API key an Admin creates under Settings › API keys: `Authorization: Bearer KEY`. "
        "A key sees its own account only; `read` keys can only read. 60 requests a minute per key (429 with "
        "Retry-After beyond it); bodies up to 256 KB. Errors are RFC 9457 problem documents. "
        "A PUT replaces everything and needs If-Match: the ETag of what you read, so that a change someone made "
        "since is never overwritten unseen (412); `If-Match: *` overwrites whatever is stored, knowingly. "
        "Alert contacts are named by their members' current email addresses: a member's own change of address "
        "changes the document without a new version."
    ),
    urls_namespace="api_v1",
    auth=KeyAuth(),
    docs=Swagger(settings={"persistAuthorization": False, "tryItOutEnabled": True}),
)


# Errors: every one a problem document, in the request's language.


@api.exception_handler(ValidationError)
def invalid_request(request, exc):
    """The document's shape is wrong (a type, a missing or unknown field): point at each place."""
    errors = []
    for error in exc.errors:
        location = list(error.get("loc", ()))
        if location[:1] == ["body"]:
            location = location[2:]  # ("body", "payload", …): the rest is the path in the document
        errors.append(
            {"pointer": json_pointer(location), "code": error.get("type", "invalid"), "detail": error.get("msg", "")}
        )
    return problem_response(status=422, code="invalid_document", title=_("The document is not valid."), errors=errors)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return problem_response(
        status=401,
        code="unauthenticated",
        title=_("An active API key is needed: send it as “Authorization: Bearer KEY”."),
        headers={"WWW-Authenticate": 'Bearer realm="api"'},
    )


@api.exception_handler(RateLimited)
def rate_limited(request, exc):
    return problem_response(
        status=429,
        code="rate_limited",
        title=_("Too many requests with this key: try again in %(seconds)d seconds.") % {"seconds": exc.retry_after},
        headers={"Retry-After": str(exc.retry_after)},
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return problem_response(status=404, code="not_found", title=_("There is nothing at this address."))


@api.exception_handler(HttpError)
def http_error(request, exc):
    """django-ninja's own refusals: a body that is not JSON (400) is the one it raises here."""
    if exc.status_code == 400:
        return problem_response(status=400, code="invalid_json", title=_("The request body is not valid JSON."))
    return problem_response(status=exc.status_code, code="http_error", title=str(exc.message))


PROBLEMS = {401: schemas.Problem, 429: schemas.Problem}
WRITE_PROBLEMS = {
    **PROBLEMS,
    400: schemas.Problem,  # the body is not JSON
    403: schemas.Problem,
    412: schemas.Problem,
    413: schemas.Problem,  # api.middleware: over 256 KB
    422: schemas.Problem,
    428: schemas.Problem,
}


def etag(version):
    return f'"{version}"'


def names_version(header, version):
    """Whether an If-Match or If-None-Match header names `version`: its ETag (`"7"`) among a list, or `*`."""
    return any(tag in {"*", etag(version)} for tag in (part.strip() for part in header.split(",")))


def with_version(response, version):
    response["ETag"] = etag(version)
    response["Cache-Control"] = "private, no-cache"
    return response


def json_response(document, *, status=200):
    """A JSON answer the views set headers on; dates and times as Django's encoder writes them (ISO 8601)."""
    return JsonResponse(document, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def stale(version):
    return with_version(
        problem_response(
            status=412,
            code="stale_version",
            title=_("The contact information changed since you read it: read it again, then send your change."),
            current_version=version,
        ),
        version,
    )


@api.get(
    "/contact-information",
    url_name="contact_information",
    operation_id="contact_information_read",
    response={200: schemas.ContactInformationOut, 304: None, **PROBLEMS},
    summary="Read the contact information",
    description="The seven categories, the version, and an ETag to send back in If-Match. "
    "With If-None-Match naming the current ETag, 304 and no body.",
)
def contact_information_read(request):
    info = contact_information_for(request.auth.partner)
    if names_version(request.headers.get("If-None-Match", ""), info.version):
        return with_version(HttpResponse(status=304), info.version)
    return with_version(json_response(document_of(info)), info.version)


@api.put(
    "/contact-information",
    operation_id="contact_information_replace",
    response={200: schemas.ContactInformationOut, **WRITE_PROBLEMS},
    summary="Replace the contact information",
    description="Replaces every category, as the form does, with the same rules and messages. Needs a `write` "
    "key and If-Match with the ETag of what you read (428 without it, 412 when someone changed it since). "
    "Invalid values: 422, each error with a JSON pointer, the form's code and its message.",
)
def contact_information_replace(request, payload: schemas.ContactInformationIn):
    key = request.auth
    if not key.can_write:
        return problem_response(
            status=403,
            code="insufficient_scope",
            title=_(
                "This key can only read: a key with the “Read and write” scope can change the contact information."
            ),
            headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
        )
    header = request.headers.get("If-Match", "")
    document = payload.model_dump()
    # Under the partner's lock, taken before the version is read: between that read and the save no other save
    # can land, so `If-Match: *` ("whatever is stored") never meets a conflict it did not ask about.
    with transaction.atomic():
        lock_partner(key.partner_id)
        info = contact_information_for(key.partner)
        if not header.strip():
            return with_version(
                problem_response(
                    status=428,
                    code="if_match_required",
                    title=_("Send If-Match with the ETag of the contact information you read."),
                    current_version=info.version,
                ),
                info.version,
            )
        if not names_version(header, info.version):
            return stale(info.version)
        if errors := document_errors(document, partner=key.partner):
            return invalid(errors)
        form = bound_form(document, info=info, version=info.version)
        if not form.is_valid():
            return invalid(form_errors(form))
        try:
            contact_information_save(form=form, actor=None, label=key.activity_label)
        except ContactInformationConflict as conflict:  # a member removed meanwhile was still chosen
            return stale(conflict.current_version)
    saved = contact_information_for(key.partner)
    return with_version(json_response(document_of(saved)), saved.version)


def invalid(errors):
    """422: each error of the contact information, pointed at in the document, with the form's code and message."""
    return problem_response(
        status=422,
        code="invalid_contact_information",
        title=_("The contact information has errors: nothing was saved."),
        errors=[
            {"pointer": json_pointer(path), "code": code, "detail": str(message)} for path, code, message in errors
        ],
    )


def requirements_answer(partner, environment, now):
    answer = stored_answer(partner, environment, now)
    return {**answer.as_json(), "deadlines": {code: when.isoformat() for code, when in answer.deadlines.items()}}


@api.get(
    "/requirements",
    operation_id="requirements_read",
    response={200: schemas.Requirements, **PROBLEMS},
    summary="What the contact information still needs",
    description="For each environment: what is missing and past due (the gate blocks on it), currently due (with "
    "a deadline) and eventually due; the same stored answer the onboarding gate reads.",
)
def requirements(request):
    partner, now = request.auth.partner, timezone.now()
    return json_response(
        {
            "sandbox": requirements_answer(partner, Environment.SANDBOX, now),
            "production": requirements_answer(partner, Environment.PRODUCTION, now),
            "warnings": sorted({warning.code for warning in warnings_stored(partner)}),
        }
    )


class Page(Schema):
    limit: int = Field(20, ge=1, le=MAX_PAGE, description="How many, at most 100.")
    # Bounded: an OFFSET past 64 bits is a database error, and no account has 2**31 notifications.
    offset: int = Field(0, ge=0, le=2**31 - 1, description="How many of the newest to skip.")


@api.get(
    "/notifications",
    operation_id="notifications_list",
    response={200: list[schemas.Notification], **PROBLEMS, 422: schemas.Problem},
    summary="Notifications sent about this account, newest first",
)
def notifications(request, page: Query[Page]):
    rows = Notification.objects.filter(partner=request.auth.partner).order_by("-created_at", "-id")[
        page.offset : page.offset + page.limit
    ]
    return json_response(
        [
            {
                "id": n.pk,
                "kind": n.kind,
                "event": n.event,
                "environment": n.environment,
                "subject": n.subject,
                "raised_at": n.created_at,
                "raised_by": str(n.raised_by_display),
                "test": n.is_test,
                "acknowledged_at": n.acknowledged_at,
                "acknowledged_by": n.acknowledged_by,
                "escalated_at": n.escalated_at,
            }
            for n in rows
        ]
    )


DOCUMENTS = {"openapi-json", "openapi-view"}


def _exempt(patterns):
    """Mark every view reachable without signing in and past the onboarding gate: the API is a way to complete it,
    and authenticates each request by its key (django-ninja does not mark its views login_not_required)."""
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            if pattern.name in DOCUMENTS:  # django-ninja's document views answer any method: they only read
                pattern.callback = require_safe(pattern.callback)
            login_not_required(pattern.callback)
            contact_information_not_required(pattern.callback)
        elif isinstance(pattern, URLResolver):
            _exempt(pattern.url_patterns)
    return patterns


def urls():
    """The API's URL patterns, for portal.urls: `path("api/v1/", api_v1.urls())`."""
    patterns, app_name, namespace = api.urls
    return _exempt(patterns), app_name, namespace
