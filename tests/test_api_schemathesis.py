"""Schemathesis reads /api/v1/openapi.json and sends each operation what it describes, and what it forbids:
never a server error, and every answer as the document says (its status code, content type and body).

In-process (WSGI, no server), each operation one test in its own transaction. How much: with API_FUZZ=full
(CI's first PostgreSQL pass, where it found a NUL byte PostgreSQL refuses even in a query) it runs in full;
otherwise (`make test`, CI's other passes) a smoke of a few examples an operation, so the long run happens once.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

import portal.wsgi
from contacts.api.schemas import DAY_NAMES
from contacts.api.services import api_key_create, api_key_find
from contacts.api.v1 import etag
from contacts.notifications.models import Notification
from contacts.services import contact_information_for
from partners.models import Role
from tests.helpers import make_member, make_partner

# Generated examples an operation (the coverage and examples phases add a few dozen of their own). Not the profile's
# max_examples: each is a request through the whole stack, and 300 an operation keep CI's run near half a minute.
EXAMPLES = {"full": 300, "smoke": 5}
RUN = os.environ.get("API_FUZZ", "smoke")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    unsupported_method,  # a method the document does not list: 405 with Allow
]
MEMBERS = ["editor@schemathesis.example", "viewer@schemathesis.example"]

# Loaded at collection, before any test database exists: serving the document reads no table.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", portal.wsgi.application)


@schemathesis.hook("before_call").apply_to(method="PUT", path="/api/v1/contact-information")
def if_match_current_version(context, case, kwargs):
    """A PUT names the version stored now, read just before it is sent, so that it gets past 412 to validation and
    saving (the document does not describe If-Match: nothing would send it otherwise)."""
    token = case.headers["Authorization"].removeprefix("Bearer ")
    case.headers["If-Match"] = etag(contact_information_for(api_key_find(token).partner).version)


# Documents the form may accept: schema-driven ones are all refused (an alert contact must be a member, a window
# needs days and times), so without these no PUT would reach the save. Names stay arbitrary text.
names = st.text(max_size=40)
phones = st.sampled_from(["", "+34612345678", "+1 202 555 0143"])
addresses = st.one_of(st.sampled_from(["oncall@acme.example", "dev@acme.example", *MEMBERS]), st.emails())
person = {"email": addresses}
optional = {"name": names, "phone": phones}
contact = st.fixed_dictionaries(person, optional={**optional, "language": st.sampled_from(["", "en", "es"])})
contacts = st.lists(contact, min_size=1, max_size=2, unique_by=lambda row: row["email"].lower())
operators = st.lists(
    st.fixed_dictionaries(person, optional=optional), min_size=1, max_size=2, unique_by=lambda row: row["email"].lower()
)
clock = st.times().map(lambda time: time.strftime("%H:%M"))
window = st.builds(
    lambda days, start, end, time_zone: {
        "days": days,
        "start": start,
        "end": end,
        "overnight": end < start,
        "time_zone": time_zone,
    },
    st.lists(st.sampled_from(DAY_NAMES), min_size=1, max_size=7, unique=True),
    clock,
    clock,
    st.sampled_from(["Europe/Madrid", "America/New_York", "UTC", "Mars/Base"]),
)
documents = st.fixed_dictionaries(
    {
        "alert": st.lists(st.sampled_from(MEMBERS), max_size=2, unique=True),
        "technical_emergency": contacts,
        "technical_non_emergency": contacts,
        "merchant_issues": contacts,
        "operator": operators,
        "shared": st.fixed_dictionaries(
            person, optional={**optional, "url": st.sampled_from(["", "https://help.acme.example"])}
        ),
        "support_hours": st.one_of(
            st.fixed_dictionaries({"support_24_7": st.just(True), "windows": st.just([])}),
            st.fixed_dictionaries(
                {"support_24_7": st.just(False), "windows": st.lists(window, min_size=1, max_size=2)}
            ),
        ),
    }
)


@schema.hook("before_generate_body").apply_to(method="PUT", path="/api/v1/contact-information")
def plausible_documents_too(context, strategy):
    """Bodies from the document's schema, and as many from `documents`: some get saved."""
    return st.one_of(strategy, documents)


# Hypothesis seldom draws an integer beyond 64 bits, which no database column or LIMIT/OFFSET holds.
edge_integers = st.sampled_from([2**31, 2**63 - 1, 2**63, 10**20, -(2**63) - 1])


@schema.hook("flatmap_query")
def integers_at_the_edges_too(context, query):
    """Each query as generated, or with one integer parameter set to a value at or beyond 64 bits."""
    names = [p.name for p in context.operation.query if p.definition.get("schema", {}).get("type") == "integer"]
    if not names:
        return st.just(query)
    edge = st.tuples(st.sampled_from(names), edge_integers).map(lambda pair: {**(query or {}), pair[0]: pair[1]})
    return st.one_of(st.just(query), edge)


@pytest.fixture
def same_connection(db):
    """Requests sent straight to the WSGI app keep the test's connection, as Django's test Client has them do:
    otherwise each closes it when it starts and finishes (on PostgreSQL, mid-transaction: "connection is closed")."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def write_key(same_connection):
    """A write key, never held back by its rate, of a partner with members to alert and a few notifications."""
    partner = make_partner("Schemathesis Travel")
    for email in MEMBERS:
        make_member(partner, Role.EDITOR, email=email)
    Notification.objects.create(partner=partner, kind="alert", subject="Bookings fail")
    Notification.objects.create(
        partner=partner,
        kind="emergency",
        subject="Payments down",
        acknowledged_at=timezone.now(),
        acknowledged_by="Ops",
    )
    _key, text = api_key_create(partner=partner, name="schemathesis", scope="write", rate_limit=100_000)
    return text


@schema.parametrize()
@settings(
    max_examples=EXAMPLES.get(RUN, EXAMPLES["smoke"]),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_answers_as_documented(case, write_key):
    """Each operation, with the key; what the checks find names the request that shows it (`curl`)."""
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {write_key}"}
    case.call_and_validate(checks=CHECKS)
