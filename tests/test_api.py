"""The JSON API: keys, the contact information with its ETag, requirements, notifications, limits and isolation."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.api.middleware import MAX_BODY_BYTES
from contacts.api.services import api_key_admit, api_key_create, api_key_revoke
from contacts.notifications.models import Notification
from contacts.services import contact_information_for
from partners.environments import Environment
from partners.models import Activity
from tests.api_client import URL, APIClient, api_client, errors_of
from tests.helpers import complete_contacts, contact_form_data, make_partner, run_together, signed_in
from tests.validation_cases import api_document

REQUIREMENTS = "/api/v1/requirements"
NOTIFICATIONS = "/api/v1/notifications"
ENDPOINTS = [URL, REQUIREMENTS, NOTIFICATIONS]
DASHBOARD = reverse("portal:dashboard")
MODAL = reverse("contacts:onboarding")


@pytest.fixture
def client(partner):
    return api_client(partner)[0]


def test_the_whole_path_a_script_takes(partner, admin_user, editor, viewer):
    """The issue's "done when": read with its ETag, replace, nothing missing, the modal unlocked, a stale write 412."""
    client, _key = api_client(partner)
    assert signed_in(viewer).get(DASHBOARD).status_code == 302  # the gate holds
    read = client.get(URL)
    assert read.status_code == 200 and read["ETag"] == '"0"'
    assert read.json()["version"] == 0 and read.json()["technical_emergency"] == []

    written = client.put_json(URL, api_document(alert=[admin_user.email]), if_match=read["ETag"])
    assert written.status_code == 200, written.json()
    assert written["ETag"] == '"1"' and written.json()["version"] == 1

    answer = client.get(REQUIREMENTS).json()
    assert answer["sandbox"]["missing"] == [] and answer["production"]["missing"] == []
    for member in (admin_user, editor, viewer):
        assert signed_in(member).get(DASHBOARD).status_code == 200  # unlocked for every member

    again = client.put_json(URL, api_document(), if_match=read["ETag"])
    assert again.status_code == 412
    assert again.json()["current_version"] == 1 and again["ETag"] == '"1"'


def test_get_gives_the_shape_of_the_form(partner, admin_user, client):
    complete_contacts(partner, alerts=[admin_user])
    document = client.get(URL).json()
    assert document["alert"] == [admin_user.email]
    assert document["technical_emergency"] == [
        {"email": "technical_emergency0@acme.example", "name": "", "phone": "", "language": ""}
    ]
    assert document["operator"] == [{"email": "operator0@acme.example", "name": "", "phone": ""}]  # no language
    assert document["shared"] == {"email": "shared0@acme.example", "name": "", "phone": "", "url": ""}
    assert document["support_hours"] == {
        "support_24_7": False,
        "windows": [
            {
                "days": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                "start": "09:00",
                "end": "17:00",
                "overnight": False,
                "time_zone": "Europe/Madrid",
            }
        ],
    }


def test_a_put_round_trips_and_phones_come_back_in_e164(partner, client):
    partner.phone_region = "ES"
    partner.save(update_fields=["phone_region"])
    document = api_document(
        technical_emergency=[
            {"email": "Pager@ACME.example", "name": "Pager", "phone": "612 34 56 78", "language": "es"}
        ],
        support_24_7=True,
    )
    saved = client.put_json(URL, document, if_match='"0"').json()
    assert saved["technical_emergency"] == [
        {"email": "Pager@acme.example", "name": "Pager", "phone": "+34612345678", "language": "es"}
    ]
    assert saved["support_hours"] == {"support_24_7": True, "windows": []}
    reread = client.get(URL).json()
    assert reread == saved
    resent = {k: v for k, v in saved.items() if k not in {"version", "updated_at"}}
    assert client.put_json(URL, resent, if_match='"1"').status_code == 200  # what GET gives, PUT takes


def test_if_none_match_with_the_current_etag_answers_304(client):
    assert client.get(URL, HTTP_IF_NONE_MATCH='"0"').status_code == 304
    assert client.get(URL, HTTP_IF_NONE_MATCH='"7"').status_code == 200


def test_put_needs_if_match(partner, client):
    response = client.put_json(URL, api_document())
    assert response.status_code == 428
    assert response.json()["code"] == "if_match_required" and response.json()["current_version"] == 0
    assert contact_information_for(partner).version == 0


@pytest.mark.parametrize("header", ['"5"', "0", 'W/"0"', "garbage", '"٠"'])
def test_an_if_match_naming_no_current_version_is_412(partner, client, header):
    response = client.put_json(URL, api_document(), if_match=header)
    assert response.status_code == 412 and response.json()["current_version"] == 0
    assert contact_information_for(partner).version == 0


def test_if_match_star_or_a_list_holding_the_etag_is_current(client):
    assert client.put_json(URL, api_document(), if_match='"9", "0"').status_code == 200
    assert client.put_json(URL, api_document(), if_match="*").status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: real concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_concurrent_puts_with_if_match_star_all_save_one_after_the_other():
    """`*` is whatever is stored: PUTs racing each other all save (the benchmark saw 20-25% refused with 412 when
    the version was read before the partner's lock)."""
    partner = make_partner()
    texts = [api_key_create(partner=partner, name=f"script {n}", scope="write")[1] for n in range(4)]

    def put(text):
        return lambda: APIClient(text).put_json(URL, api_document(), if_match="*").status_code

    assert run_together(*(put(text) for text in texts)) == [200] * 4
    assert contact_information_for(partner).version == 4


def test_a_change_is_recorded_under_the_keys_name_and_raises_the_version(partner, client):
    client.put_json(URL, api_document(), if_match='"0"')
    entry = Activity.objects.get(partner=partner, action=Activity.Action.CONTACTS_UPDATED)
    assert entry.actor is None and entry.actor_label == f"api_key:script {partner.pk}-write"
    assert entry.actor_display == f"API key “script {partner.pk}-write”"
    assert entry.before["version"] == 0 and entry.after["version"] == 1
    page = signed_in(partner.memberships.first().user).get(reverse("portal:activity")).content.decode()
    assert f"API key “script {partner.pk}-write”" in page


class TestConflictsBetweenBrowserAndScript:
    def test_a_browser_save_makes_the_scripts_etag_stale(self, partner, admin_user, client):
        etag = client.get(URL)["ETag"]
        assert signed_in(admin_user).post(MODAL, contact_form_data()).status_code == 302
        response = client.put_json(URL, api_document(operator=["night@acme.example"]), if_match=etag)
        assert response.status_code == 412 and response.json()["current_version"] == 1
        assert not contact_information_for(partner).contacts.filter(email="night@acme.example").exists()

    def test_a_script_save_makes_the_browsers_form_stale(self, partner, admin_user, client):
        browser = signed_in(admin_user)
        browser.get(MODAL)  # the page is filled from version 0
        assert client.put_json(URL, api_document(), if_match='"0"').status_code == 200
        response = browser.post(MODAL, contact_form_data(version=0, operator=["mine@acme.example"]))
        assert response.status_code == 409  # the conflict page: what changed, and what was typed, kept
        assert "mine@acme.example" in response.content.decode()
        assert not contact_information_for(partner).contacts.filter(email="mine@acme.example").exists()


class TestKeys:
    def test_no_key_a_wrong_key_or_another_scheme_is_401(self, partner):
        api_key_create(partner=partner, name="real", scope="write")
        for client in (Client(), APIClient("ppk_not-a-key"), Client(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")):
            response = client.get(URL)
            assert response.status_code == 401
            assert response["WWW-Authenticate"].startswith("Bearer")
            assert response.json()["code"] == "unauthenticated"

    def test_a_revoked_key_is_refused_from_its_next_request(self, partner):
        client, key = api_client(partner)
        assert client.get(URL).status_code == 200
        api_key_revoke(key=key)
        assert client.get(URL).status_code == 401
        assert client.put_json(URL, api_document(), if_match='"0"').status_code == 401

    def test_a_read_key_reads_but_cannot_write(self, partner):
        client, _key = api_client(partner, scope="read")
        for path in ENDPOINTS:
            assert client.get(path).status_code == 200
        response = client.put_json(URL, api_document(), if_match='"0"')
        assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
        assert contact_information_for(partner).version == 0

    def test_the_key_is_stored_only_as_its_digest(self, partner):
        from accounts.models import token_digest

        key, text = api_key_create(partner=partner, name="ci", scope="read")
        assert key.digest == token_digest(text) and text not in repr(key.__dict__)
        assert text.startswith(key.prefix) and len(text) > 40

    def test_last_use_is_noted(self, partner):
        client, key = api_client(partner)
        assert key.last_used_at is None
        client.get(URL)
        key.refresh_from_db()
        assert key.last_used_at is not None

    def test_no_session_and_no_csrf_token_are_needed_or_made(self, partner):
        _key, text = api_key_create(partner=partner, name="ci", scope="write")
        client = APIClient(text, enforce_csrf_checks=True)
        response = client.put_json(URL, api_document(), if_match='"0"')
        assert response.status_code == 200
        assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


class TestIsolation:
    """A key sees its own partner only, on every endpoint."""

    def test_every_endpoint_answers_for_the_keys_partner_alone(self, partner, admin_user):
        other = make_partner("Other Co")
        complete_contacts(other)
        Notification.objects.create(partner=other, kind="alert", subject="Other's outage")
        mine, _key = api_client(partner)
        assert mine.get(URL).json()["technical_emergency"] == []
        assert mine.get(REQUIREMENTS).json()["sandbox"]["missing"] != []
        assert mine.get(NOTIFICATIONS).json() == []
        theirs, _key = api_client(other, scope="read")
        assert theirs.get(URL).json()["technical_emergency"][0]["email"] == "technical_emergency0@acme.example"
        assert [n["subject"] for n in theirs.get(NOTIFICATIONS).json()] == ["Other's outage"]

    def test_a_put_changes_the_keys_partner_alone(self, partner):
        other = make_partner("Other Co")
        client, _key = api_client(other)
        assert client.put_json(URL, api_document(), if_match='"0"').status_code == 200
        assert contact_information_for(other).version == 1
        assert contact_information_for(partner).version == 0

    def test_alert_contacts_of_another_partner_are_not_members(self, partner, admin_user):
        other = make_partner("Other Co")
        client, _key = api_client(other)
        response = client.put_json(URL, api_document(alert=[admin_user.email]), if_match='"0"')
        assert "/alert" in errors_of(response)


class TestGateAndSignIn:
    def test_a_member_whose_partner_is_gated_still_reaches_the_api(self, partner, admin_user):
        _key, text = api_key_create(partner=partner, name="x", scope="read")
        browser = signed_in(admin_user)  # a session cookie beside the key: still the API, never the modal
        response = browser.get(URL, HTTP_AUTHORIZATION=f"Bearer {text}")
        assert response.status_code == 200 and response["Content-Type"] == "application/json"

    def test_the_documents_need_no_sign_in(self):
        assert Client().get("/api/v1/openapi.json").status_code == 200
        page = Client().get("/api/v1/docs")
        assert page.status_code == 200
        html = page.content.decode()
        assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html.lower()

    def test_the_openapi_document_describes_every_endpoint(self):
        document = Client().get("/api/v1/openapi.json").json()
        assert set(document["paths"]) == {
            "/api/v1/contact-information",
            "/api/v1/requirements",
            "/api/v1/notifications",
        }
        assert set(document["paths"]["/api/v1/contact-information"]) == {"get", "put"}
        put = document["paths"]["/api/v1/contact-information"]["put"]
        assert {"200", "412", "422", "428"} <= set(put["responses"])
        operations = [operation["operationId"] for path in document["paths"].values() for operation in path.values()]
        # Named for client generators, whatever module the views live in.
        assert sorted(operations) == [
            "contact_information_read",
            "contact_information_replace",
            "notifications_list",
            "requirements_read",
        ]
        assert document["components"]["securitySchemes"]


class TestLimits:
    def test_over_the_rate_a_key_gets_429_with_retry_after(self, partner):
        client, _key = api_client(partner, rate_limit=3)
        assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
        response = client.get(URL)
        assert response.status_code == 429 and response.json()["code"] == "rate_limited"
        assert 1 <= int(response["Retry-After"]) <= 60

    def test_the_count_starts_again_each_minute_and_is_per_key(self, partner):
        key, _text = api_key_create(partner=partner, name="a", scope="read", rate_limit=2)
        other, _text = api_key_create(partner=partner, name="b", scope="read", rate_limit=2)
        minute = timezone.now().replace(second=10, microsecond=0)
        assert [api_key_admit(key, now=minute).allowed for _ in range(3)] == [True, True, False]
        assert api_key_admit(key, now=minute + timedelta(seconds=40)).retry_after == 10
        assert api_key_admit(other, now=minute).allowed
        assert api_key_admit(key, now=minute + timedelta(minutes=1)).allowed

    def test_a_body_over_256_kb_is_refused_from_its_length_before_it_is_read(self, client):
        response = client.put(URL, "x", content_type="application/json", CONTENT_LENGTH=str(MAX_BODY_BYTES + 1))
        assert response.status_code == 413 and response.json()["code"] == "body_too_large"

    def test_a_body_within_the_limit_is_read(self, client):
        document = api_document()
        document["operator"][0]["name"] = "x" * 200
        body = json.dumps(document)
        assert len(body) < MAX_BODY_BYTES
        assert client.put(URL, body, content_type="application/json", HTTP_IF_MATCH='"0"').status_code == 200

    def test_a_body_that_is_not_json_is_400(self, client):
        response = client.put(URL, "{not json", content_type="application/json", HTTP_IF_MATCH='"0"')
        assert response.status_code == 400 and response.json()["code"] == "invalid_json"


def test_notifications_newest_first_with_limit_and_offset(partner, client):
    for number in range(3):
        Notification.objects.create(partner=partner, kind="alert", subject=f"Outage {number}")
    listed = client.get(NOTIFICATIONS).json()
    assert [n["subject"] for n in listed] == ["Outage 2", "Outage 1", "Outage 0"]
    assert listed[0]["test"] is False and listed[0]["acknowledged_at"] is None
    assert [n["subject"] for n in client.get(NOTIFICATIONS, {"limit": 1, "offset": 1}).json()] == ["Outage 1"]


def test_requirements_give_both_environments_with_states_and_deadlines(partner, admin_user, client):
    complete_contacts(partner, alerts=[admin_user], verified=False)
    answer = client.get(REQUIREMENTS).json()
    assert answer["sandbox"] == {
        "missing": [],
        "past_due": [],
        "currently_due": [],
        "eventually_due": [],
        "current_deadline": None,
        "deadlines": {},
    }
    assert answer["production"]["eventually_due"] == [
        "technical_emergency_verified_required",
        "shared_verified_required",
    ]
    assert "warnings" in answer


def test_problems_are_in_the_requests_language(partner):
    client, _key = api_client(partner, HTTP_ACCEPT_LANGUAGE="es")
    response = client.put_json(URL, api_document())
    assert response.status_code == 428
    assert response.json()["title"] == "Envía If-Match con la ETag de la información de contacto que leíste."


class TestCost:
    """A request costs its key (a read, and the counting UPDATE) and what it answers with; the requirements are the
    stored answer the gate reads, no query of their own."""

    @pytest.mark.parametrize(("path", "queries"), [(URL, 4), (REQUIREMENTS, 0), (NOTIFICATIONS, 1)])
    def test_queries_per_request(self, partner, admin_user, django_assert_max_num_queries, path, queries):
        complete_contacts(partner, alerts=[admin_user])
        client, _key = api_client(partner)
        client.get(path)  # the minute's window is open: one UPDATE counts each request from now on
        # One more when the request falls in the next minute (a second UPDATE opens its window).
        with django_assert_max_num_queries(2 + queries + 1):
            assert client.get(path).status_code == 200


class TestWhatSchemathesisFound:
    """Regressions from the property-based run (tests/test_api_schemathesis.py)."""

    def test_an_alert_address_with_a_nul_byte_is_nobodys_not_a_server_error(self, client):
        response = client.put_json(URL, api_document(alert=["a\x00@example.com"]), if_match="*")
        assert response.status_code == 422 and "/alert" in errors_of(response)

    @pytest.mark.parametrize("query", [{"offset": 2**63}, {"offset": -1}, {"limit": 0}, {"limit": 101}])
    def test_a_page_out_of_bounds_is_refused_not_a_server_error(self, client, query):
        response = client.get(NOTIFICATIONS, query)
        assert response.status_code == 422 and response.json()["code"] == "invalid_document"

    def test_problems_are_documented_as_problem_documents(self):
        document = Client().get("/api/v1/openapi.json").json()
        put = document["paths"]["/api/v1/contact-information"]["put"]["responses"]
        assert set(put["412"]["content"]) == {"application/problem+json"}
        assert set(put["200"]["content"]) == {"application/json"}
        assert {"400", "413"} <= set(put)


class TestWhatTheReviewFound:
    def test_a_script_cannot_unmeet_production_before_launch(self, partner, admin_user, editor):
        """Complete in Production but not launched: removing the last alert contact would send every member
        working in Production back to the modal. The form in Production refuses it; so does the API."""
        complete_contacts(partner, alerts=[admin_user])
        client, _key = api_client(partner)
        response = client.put_json(URL, api_document(alert=[]), if_match="*")
        assert errors_of(response)["/alert"] == [("alert_contacts_required", "Choose at least one alert contact.")]
        assert signed_in(editor, Environment.PRODUCTION).get(DASHBOARD).status_code == 200

    def test_a_field_left_out_gets_the_forms_message_and_code(self, client):
        document = api_document()
        document["operator"] = [{"name": "Only a name"}]
        del document["support_hours"]["windows"][0]["start"]
        response = client.put_json(URL, document, if_match="*", HTTP_ACCEPT_LANGUAGE="es")
        errors = errors_of(response)
        assert errors["/operator/0/email"] == [
            ("required", "Ingresa una dirección de correo electrónico para este contacto.")
        ]
        assert [code for code, _detail in errors["/support_hours/windows/0/start"]] == ["required"]

    def test_servers_whose_clocks_differ_share_one_count(self, partner):
        key, _text = api_key_create(partner=partner, name="skew", scope="read", rate_limit=2)
        ahead = timezone.now().replace(second=0, microsecond=100_000) + timedelta(minutes=1)
        behind = ahead - timedelta(milliseconds=300)  # still in the previous minute
        admitted = [api_key_admit(key, now=now).allowed for now in [ahead, behind] * 5]
        assert admitted.count(True) == 2

    @pytest.mark.parametrize("length", ["²", "+300000", "-1", "abc"])
    def test_an_odd_content_length_is_no_server_error(self, client, length):
        response = client.put(URL, "{}", content_type="application/json", CONTENT_LENGTH=length, HTTP_IF_MATCH="*")
        assert response.status_code < 500

    def test_the_document_describes_the_conditional_headers_and_the_etag(self):
        document = Client().get("/api/v1/openapi.json").json()
        put = document["paths"]["/api/v1/contact-information"]["put"]
        assert [p["required"] for p in put["parameters"] if p["name"] == "If-Match"] == [True]
        assert "ETag" in put["responses"]["200"]["headers"] and "ETag" in put["responses"]["412"]["headers"]
        get = document["paths"]["/api/v1/contact-information"]["get"]
        assert [p["name"] for p in get["parameters"]] == ["If-None-Match"]
