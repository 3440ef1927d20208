"""In-process comparison of the full stack and the stack without the gate, plus queries per page.

Builds one WSGI handler per middleware list, calls each with the same prepared request in
interleaved rounds, and keeps the fastest round: network and load generator play no part.
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.pages import call as call_page  # noqa: E402
from partners.models import Partner  # noqa: E402

GATE = "contacts.middleware.ContactInformationRequiredMiddleware"
ROUNDS, PER_ROUND = 15, 100


def session_key(partner_name):
    from django.contrib.sessions.models import Session

    partner = Partner.objects.get(name=partner_name)
    user_id = str(partner.memberships.admins().first().user_id)
    for session in Session.objects.all():
        data = session.get_decoded()
        if data.get("_auth_user_id") == user_id:
            return session.session_key
    raise LookupError(partner_name)


def call(handler, path, key):
    """The status of a signed-in GET (bench/pages.py builds the request)."""
    return call_page(handler, path, key)[0]


def main():
    full = WSGIHandler()
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != GATE]
    nogate = WSGIHandler()
    complete, gated, big = session_key("Complete Partner"), session_key("Gated Partner"), session_key("Big Partner")
    assert call(full, "/", complete).startswith("200") and call(nogate, "/", complete).startswith("200")
    best = {"b": float("inf"), "c": float("inf")}
    for _ in range(ROUNDS):
        for name, handler in (("b", full), ("c", nogate)):
            start = time.perf_counter()
            for _ in range(PER_ROUND):
                call(handler, "/", complete)
            best[name] = min(best[name], time.perf_counter() - start)
    queries = {}
    for label, path, key in [
        ("dashboard", "/", complete),
        ("gated", "/", gated),
        ("modal", "/onboarding/", gated),
        ("contact information (1,000 members)", "/settings/contact-information/edit/", big),
    ]:
        call(full, path, key)
        with CaptureQueriesContext(connection) as captured:
            call(full, path, key)
        queries[label] = len(captured)
    print(
        json.dumps(
            {
                "ratio_b_over_c": best["c"] / best["b"],
                "ms_per_request": {k: v / PER_ROUND * 1000 for k, v in best.items()},
                "rounds": ROUNDS,
                "requests_per_round": PER_ROUND,
                "queries": queries,
            }
        )
    )


if __name__ == "__main__":
    main()
