"""Sandbox and Production: a per-session switch; Production re-gates until alert contacts exist."""

import pytest
from django.urls import reverse

from contacts.models import ContactInformation
from partners.environments import Environment
from tests.helpers import complete_contacts, posted_values, signed_in

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
    page = client.get(MODAL).content.decode()
    before_fold, folded = page.split('<details class="settled">')
    assert 'id="category-alert"' in before_fold
    assert 'id="category-operator"' not in before_fold
    assert 'id="category-operator"' in folded
    assert (
        "Complete, or not needed in this environment (6 categories)" in page
    )  # reservations shows all seven; one is missing
    assert "Switch to Production at the top of the page" not in page


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


def test_the_environment_is_kept_per_session(sandbox_complete, admin_user):
    production = signed_in(admin_user)
    production.post(SWITCH, {"environment": "production"})
    other_session = signed_in(admin_user)
    assert other_session.get(DASHBOARD).status_code == 200
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


def test_the_header_shows_the_current_environment(sandbox_complete, admin_user):
    page = signed_in(admin_user, Environment.PRODUCTION).get(reverse("portal:help")).content.decode()
    assert 'value="production" class="segment" aria-pressed="true"' in page
