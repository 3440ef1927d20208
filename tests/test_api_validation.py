"""The contact form's validation cases (tests/validation_cases.py), run again through PUT /api/v1/contact-information:
each is refused with 422, at its JSON pointer, with the form's message and code; nothing is saved."""

import pytest

from contacts.api.problems import json_pointer
from contacts.models import ContactInformation
from contacts.services import contact_information_for
from partners.environments import Environment
from tests.api_client import URL, api_client, errors_of
from tests.helpers import admin_of, make_partner
from tests.validation_cases import CASES, api_document


@pytest.fixture
def client(partner):
    return api_client(partner)[0]


def put(client, partner, document):
    return client.put_json(URL, document, if_match=f'"{contact_information_for(partner).version}"')


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_every_case_of_the_shared_table_is_refused_where_the_form_refuses_it(client, partner, case):
    response = put(client, partner, api_document(**case.overrides))
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["code"] == "invalid_contact_information"
    at = errors_of(response).get(json_pointer(case.path), [])
    assert any(code == case.code and case.matches(detail) for code, detail in at), errors_of(response)
    assert ContactInformation.objects.get(partner=partner).version == 0


def test_the_table_defaults_are_a_valid_document(client, partner):
    """The cases break one thing each: without it, the same document saves."""
    assert put(client, partner, api_document()).status_code == 200


def test_every_error_is_reported_at_once(client, partner):
    document = api_document(
        operator=[{"email": "nope"}], windows=[{"days": [0], "start": "17:00", "end": "09:00", "time_zone": "UTC"}]
    )
    document["technical_emergency"] = []
    assert set(errors_of(put(client, partner, document))) == {
        "/operator/0/email",
        "/support_hours/windows/0/end",
        "/technical_emergency",
    }


def test_messages_follow_the_request_language(client, partner):
    response = client.put_json(
        URL, api_document(operator=[{"email": "nope"}]), if_match='"0"', HTTP_ACCEPT_LANGUAGE="es"
    )
    (code, detail) = errors_of(response)["/operator/0/email"][0]
    assert code == "invalid" and detail == "Ingresa una dirección de correo electrónico válida, como ops@example.com."


def test_alert_contacts_must_be_members(partner):
    stranger = admin_of(make_partner())
    client = api_client(partner)[0]
    response = put(client, partner, api_document(alert=[stranger.email]))
    assert errors_of(response)["/alert"] == [
        ("invalid_choice", "Choose alert contacts among the users of this account.")
    ]


def test_alert_contacts_are_members_named_by_email_in_any_case(partner, admin_user):
    client = api_client(partner)[0]
    response = put(client, partner, api_document(alert=[admin_user.email.upper()]))
    assert response.status_code == 200, response.json()
    assert response.json()["alert"] == [admin_user.email]
    assert list(contact_information_for(partner).alert_contacts.all()) == [admin_user]


def test_a_launched_partner_is_held_to_production_requirements(partner, admin_user):
    """Alert contacts are needed where the partner runs: a script cannot remove the last one of a live partner."""
    from django.utils import timezone

    partner.launched_at = timezone.now()
    partner.save(update_fields=["launched_at"])
    client = api_client(partner)[0]
    response = put(client, partner, api_document(alert=[]))
    assert errors_of(response)["/alert"] == [("alert_contacts_required", "Choose at least one alert contact.")]
    assert put(client, partner, api_document(alert=[admin_user.email])).status_code == 200
    partner.refresh_from_db()
    assert partner.contacts_complete(Environment.PRODUCTION)


def test_merchant_contacts_are_refused_where_the_integration_has_none(db):
    partner = make_partner(integration="appointments")
    client = api_client(partner)[0]
    response = put(client, partner, api_document())
    assert errors_of(response)["/merchant_issues"] == [("not_applicable", "This account has no such contacts.")]
    assert put(client, partner, api_document(merchant_issues=())).status_code == 200


@pytest.mark.parametrize(
    ("change", "pointer", "code"),
    [
        (lambda d: d.update(unknown=1), "/unknown", "extra_forbidden"),
        (lambda d: d["operator"][0].update(language="en"), "/operator/0/language", "extra_forbidden"),
        (lambda d: d.pop("support_hours"), "/support_hours", "missing"),
        (lambda d: d.update(technical_emergency="oncall@acme.example"), "/technical_emergency", "list_type"),
        (lambda d: d["support_hours"].update(support_24_7="yes please"), "/support_hours/support_24_7", "bool_parsing"),
    ],
)
def test_a_document_of_the_wrong_shape_is_refused_at_its_place(client, partner, change, pointer, code):
    document = api_document()
    change(document)
    response = put(client, partner, document)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_document"
    assert [c for c, _detail in errors_of(response)[pointer]] == [code]


def test_text_no_database_can_store_is_refused_not_a_server_error(client, partner):
    body = api_document()
    body["operator"][0]["name"] = "PLACEHOLDER"
    raw = __import__("json").dumps(body).replace("PLACEHOLDER", "\\ud800")
    response = client.put(URL, raw, content_type="application/json", HTTP_IF_MATCH='"0"')
    assert response.status_code == 422
    assert errors_of(response)["/operator/0/name"][0][0] == "invalid_text"
