"""Sandbox and Production: a per-session switch; Production re-gates until alert contacts exist."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertInHTML, assertNotContains

from contacts.models import ContactInformation
from partners.environments import Environment
from tests.helpers import complete_contacts, html_element, html_elements, posted_values, signed_in

DASHBOARD = reverse("portal:dashboard")
MODAL = reverse("contacts:onboarding")
SWITCH = reverse("portal:switch_environment")


@pytest.fixture
def sandbox_complete(partner):
    complete_contacts(partner)
    return partner


def test_switching_to_production_without_alert_contacts_brings_the_modal_back(sandbox_complete, admin_user):
    client = signed_in(admin_user)
    assert client.get(DASHBOARD).status_code == 200
    response = client.post(SWITCH, {"environment": "production", "next": DASHBOARD})
    assert response["Location"] == DASHBOARD
    gated = client.get(DASHBOARD)
    assert gated.status_code == 302 and gated["Location"].startswith(MODAL)
    script = client.get(DASHBOARD, headers={"Accept": "application/json"})
    assert script.json()["missing"] == ["alert_contacts_required"]


def test_the_modal_asks_for_alert_contacts_alone_and_folds_the_rest(sandbox_complete, admin_user):
    client = signed_in(admin_user, Environment.PRODUCTION)
    response = client.get(MODAL)
    assert response.status_code == 200
    page = response.content.decode()
    folded = str(html_element(page, "details", class_="settled"))
    # reservations shows all seven categories; one is missing
    assertInHTML("<summary>Already complete or not needed here (6 categories)</summary>", folded)
    asked = {dict(f.attributes)["id"] for f in html_elements(page, "fieldset", class_="category")}
    settled = {dict(f.attributes)["id"] for f in html_elements(folded, "fieldset", class_="category")}
    assert asked - settled == {"category-alert"}
    assert "category-operator" in settled and len(settled) == 6
    assertNotContains(response, "Switch to Production at the top of the page")


def test_choosing_an_alert_contact_in_production_unlocks(sandbox_complete, admin_user):
    client = signed_in(admin_user, Environment.PRODUCTION)
    data = posted_values(client.get(MODAL))
    data["general-alert_contacts"] = [str(admin_user.pk)]
    response = client.post(MODAL, data)
    assert response.status_code == 302, response.context["form"].error_summary()
    assert client.get(DASHBOARD).status_code == 200
    assert list(ContactInformation.objects.get(partner=sandbox_complete).alert_contacts.all()) == [admin_user]


def test_back_in_sandbox_the_portal_is_unlocked_again(sandbox_complete, admin_user):
    client = signed_in(admin_user, Environment.PRODUCTION)
    assert client.get(DASHBOARD).status_code == 302
    client.post(SWITCH, {"environment": "sandbox"})
    assert client.get(DASHBOARD).status_code == 200


def test_each_session_keeps_the_environment_it_chose(sandbox_complete, admin_user):
    production, sandbox = signed_in(admin_user), signed_in(admin_user)
    production.post(SWITCH, {"environment": "production"})
    sandbox.post(SWITCH, {"environment": "sandbox"})
    assert sandbox.get(DASHBOARD).status_code == 200
    assert production.get(DASHBOARD).status_code == 302


def test_an_unknown_environment_is_ignored(sandbox_complete, admin_user):
    client = signed_in(admin_user)
    client.post(SWITCH, {"environment": "staging"})
    assert client.get(DASHBOARD).status_code == 200
    assert client.session.get("portal_environment") is None


def test_the_switch_is_reachable_from_the_modal_and_refuses_foreign_next(partner, admin_user):
    client = signed_in(admin_user)
    response = client.post(SWITCH, {"environment": "production", "next": "https://evil.example/"})
    assert response["Location"] == DASHBOARD


@pytest.mark.parametrize(("environment", "pressed"), [(Environment.PRODUCTION, "Production"), (None, "Sandbox")])
def test_the_header_shows_the_current_environment(sandbox_complete, admin_user, environment, pressed):
    response = signed_in(admin_user, environment).get(reverse("portal:help"))
    assert response.status_code == 200
    for value, label in Environment.choices:
        assertContains(
            response,
            f'<button type="submit" name="environment" value="{value}" class="segment" '
            f'aria-pressed="{"true" if label == pressed else "false"}">{label}</button>',
            html=True,
            count=1,
        )
