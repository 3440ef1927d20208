"""Sandbox and Production explained and remembered; the modal says why it came back; the checklist leads there."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from partners.environments import Environment
from tests.helpers import complete_contacts, html_element, html_elements, signed_in

DASHBOARD = reverse("portal:dashboard")
MODAL = reverse("contacts:onboarding")
SWITCH = reverse("portal:switch_environment")
EXPLAINED = "Sandbox is for testing; Production is live, and needs alert contacts."
REASON = "Production needs alert contacts: the people who get automated alert emails about problems in production."


@pytest.fixture
def sandbox_complete(partner):
    complete_contacts(partner)
    return partner


def pressed(response):
    """The environment the header's switch shows as current."""
    buttons = html_elements(response.content.decode(), "button", class_="segment", aria_pressed="true")
    labels = {str(child) for button in buttons for child in button.children}
    return labels & {"Sandbox", "Production"}


# --- Remembered per user ----------------------------------------------------------------------------------------


def test_the_last_environment_is_where_the_next_sign_in_starts(sandbox_complete, admin_user):
    first = signed_in(admin_user)
    first.post(SWITCH, {"environment": "production"})
    admin_user.refresh_from_db()
    assert admin_user.environment == "production"

    later = signed_in(admin_user)  # a new session: nothing chosen in it yet
    response = later.get(reverse("portal:help"))
    assert pressed(response) == {"Production"}
    assert later.get(DASHBOARD)["Location"].startswith(MODAL)  # Production lacks alert contacts

    later.post(SWITCH, {"environment": "sandbox"})
    admin_user.refresh_from_db()
    assert admin_user.environment == "sandbox"
    assert signed_in(admin_user).get(DASHBOARD).status_code == 200


def test_a_first_sign_in_starts_in_sandbox(sandbox_complete, admin_user):
    assert admin_user.environment == ""
    assert pressed(signed_in(admin_user).get(reverse("portal:help"))) == {"Sandbox"}


def test_the_session_choice_wins_over_the_remembered_one(sandbox_complete, admin_user):
    admin_user.environment = "production"
    admin_user.save(update_fields=["environment"])
    client = signed_in(admin_user, Environment.SANDBOX)
    assert client.get(DASHBOARD).status_code == 200


def test_remembering_costs_no_query(sandbox_complete, admin_user):
    """The fallback reads request.user, which every signed-in request loads anyway."""
    admin_user.environment = "production"
    admin_user.save(update_fields=["environment"])
    remembered, chosen = signed_in(admin_user), signed_in(admin_user, Environment.PRODUCTION)
    counts = []
    for client in (remembered, chosen):
        client.get(reverse("portal:help"))
        with CaptureQueriesContext(connection) as queries:
            assert pressed(client.get(reverse("portal:help"))) == {"Production"}
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_environment_is_explained_beside_the_switch(sandbox_complete, admin_user):
    client = signed_in(admin_user)
    for url in (reverse("portal:help"), reverse("contacts:edit")):
        page = client.get(url).content.decode()
        help_text = html_element(page, "p", id="environment-help")
        assert EXPLAINED in str(help_text)
        groups = html_elements(page, "form", aria_describedby="environment-help") + html_elements(
            page, "div", aria_describedby="environment-help"
        )
        assert len(groups) == 1


# --- The modal's words -----------------------------------------------------------------------------------------


def test_back_in_production_the_modal_says_why_and_shows_alert_contacts_first(sandbox_complete, admin_user):
    response = signed_in(admin_user, Environment.PRODUCTION).get(MODAL)
    assertContains(response, REASON)
    assertContains(response, "The rest of the contact information of Acme Bookings is complete")
    sections = html_elements(response.content.decode(), "fieldset", class_="category")
    assert dict(sections[0].attributes)["id"] == "category-alert"
    assertNotContains(response, "complete the contact information of Acme Bookings")


def test_in_production_with_more_missing_the_modal_names_alert_contacts_too(partner, admin_user):
    response = signed_in(admin_user, Environment.PRODUCTION).get(MODAL)
    assertContains(response, "complete the contact information of Acme Bookings")
    assertContains(response, REASON)


def test_in_sandbox_the_modal_says_nothing_of_alert_contacts(partner, admin_user):
    assertNotContains(signed_in(admin_user).get(MODAL), REASON)


def test_an_admin_is_told_to_add_a_colleague(partner, admin_user):
    assertContains(signed_in(admin_user).get(MODAL), "add them from the Users tab")


def test_an_editor_is_told_who_can_add_a_colleague(partner, admin_user, editor):
    response = signed_in(editor).get(MODAL)
    assertNotContains(response, "add them from the Users tab")
    description = str(html_element(response.content.decode(), "div", id="modal-description"))
    assert "ask an Admin to add them" in description
    assert admin_user.email in description


def test_a_viewer_is_told_who_can_add_a_colleague(partner, admin_user, viewer):
    response = signed_in(viewer).get(MODAL)
    assertNotContains(response, "add them from the Users tab")
    description = str(html_element(response.content.decode(), "div", id="modal-description"))
    assert "You can read it but not change it" in description
    assert admin_user.email in description


# --- The dashboard checklist leads where the missing item can be done -------------------------------------------


def test_alert_contacts_missing_in_sandbox_switch_to_production_and_back_here(sandbox_complete, admin_user):
    client = signed_in(admin_user)
    page = client.get(DASHBOARD).content.decode()
    item = str(html_element(page, "li", data_code="alert_contacts_required"))
    form = html_element(item, "form", action=SWITCH)
    html_element(str(form), "input", name="environment", value="production")
    target = DASHBOARD  # once chosen in the modal, back to the checklist
    html_element(str(form), "input", name="next", value=target)
    assert "Choose at least one alert contact." in str(html_element(str(form), "button"))

    response = client.post(SWITCH, {"environment": "production", "next": target})
    assert response["Location"] == target
    modal = client.get(target, follow=True)
    assertContains(modal, REASON)  # the gate brings the modal, which asks for alert contacts first


def test_other_missing_items_link_to_their_section(partner, admin_user, editor):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from contacts.completeness import REQUIREMENTS
    from portal.views import ChecklistItem

    request = RequestFactory().get("/")
    request.user, request.membership, request.environment = editor, editor.memberships.get(), Environment.SANDBOX
    html = render_to_string(
        "portal/_checklist.html",
        {"items": [ChecklistItem(REQUIREMENTS["operator_required"], "past_due")], "environment_label": "Sandbox"},
        request=request,
    )
    link = html_element(html, "a", href=reverse("contacts:edit_section", args=["operator"]))
    assert "Add at least one operational contact for the operator." in str(link)


def test_completeness_codes_are_for_operators_only(sandbox_complete, admin_user):
    client = signed_in(admin_user)
    assertNotContains(client.get(DASHBOARD), "alert_contacts_required</code>")
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    assertContains(client.get(DASHBOARD), "alert_contacts_required</code>")
