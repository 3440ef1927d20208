"""The API from a browser: an Admin creates a key by keyboard from the gated modal, reads it once, and the
interactive documentation (Swagger UI from the portal's own static files, under its CSP) works with it."""

import re

import pytest
from playwright.sync_api import expect

from contacts.api.models import APIKey
from tests.browser import run_axe, sign_in
from tests.helpers import admin_of, make_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin(db):
    return admin_of(make_partner("Acme Bookings", admin_email="ana@acme.example"))


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_admin_creates_a_key_from_the_modal_and_sees_it_once(live_server, page, page_errors, admin, language):
    sign_in(page.context, live_server, admin, language=language)
    page.goto(f"{live_server.url}/")  # gated: the modal
    link = page.get_by_role("link", name="Create an API key" if language == "en" else "Crea una clave de API")
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/settings/api-keys/$"))
    assert run_axe(page) == []

    page.get_by_label("Name" if language == "en" else "Nombre").fill("Onboarding script")
    page.get_by_label("Read and write" if language == "en" else "Lectura y escritura").check()
    page.get_by_role("button", name="Create key" if language == "en" else "Crear clave").press("Enter")
    key_field = page.get_by_label("Your new API key" if language == "en" else "Tu nueva clave de API")
    text = key_field.input_value()
    assert text.startswith("ppk_") and APIKey.objects.get(name="Onboarding script").prefix == text[:12]
    assert run_axe(page) == []

    page.goto(f"{live_server.url}/settings/api-keys/")
    expect(page.get_by_role("cell", name="Onboarding script", exact=True)).to_be_visible()
    assert text not in page.content()  # shown once


def test_the_interactive_documentation_calls_the_api_with_a_key(live_server, page, page_errors, admin):
    from contacts.api.services import api_key_create

    _key, text = api_key_create(partner=admin.memberships.get().partner, name="docs", scope="read")
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_text("Partner Portal API").first).to_be_visible()
    operation = page.locator("#operations-default-contact_information_read")
    expect(operation).to_be_visible()

    page.locator(".auth-wrapper button.authorize").click()
    page.locator(".modal-ux input").first.fill(text)
    page.locator(".modal-ux button.authorize").click()
    page.locator(".modal-ux button.btn-done").click()

    operation.locator(".opblock-summary").click()
    # Try it out is on from the start (tryItOutEnabled): Execute sends the request.
    operation.get_by_role("button", name="Execute").click()
    response = operation.locator(".live-responses-table .response")
    expect(response.locator(".response-col_status").first).to_have_text("200")
    expect(response).to_contain_text('"technical_emergency"')
