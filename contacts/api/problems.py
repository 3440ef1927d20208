"""RFC 9457 problem documents: every error the API answers, in one shape."""

import json

from django.http import HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "/api/v1/problems/"


def problem(*, status, code, title, detail="", **extra):
    """A problem document: `type` names it (a stable `code`), `title` says it in the request's language."""
    document = {"type": f"{PROBLEM_TYPE_BASE}{code}", "title": str(title), "status": status, "code": code}
    if detail:
        document["detail"] = str(detail)
    document.update(extra)
    return document


def problem_response(*, status, headers=None, **fields):
    """An HTTP response carrying a problem document."""
    response = HttpResponse(
        json.dumps(problem(status=status, **fields), ensure_ascii=False),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def json_pointer(path):
    """RFC 6901: the path of a value in the document (['a', 0, 'b/c'] -> '/a/0/b~1c')."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)
