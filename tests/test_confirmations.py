"""Asking first: removing a member and launching need a confirmation (a page without JavaScript, a dialog with it)."""

import html

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from partners.environments import Environment
from partners.models import Activity, Membership, Partner, Role
from tests.helpers import admin_of, complete_contacts, html_element, html_elements, make_member, make_partner, signed_in

USERS = reverse("portal:users")
MODAL = reverse("contacts:onboarding")
DASHBOARD = reverse("portal:dashboard")
LAUNCH = reverse("portal:launch")


@pytest.fixture
def bea(partner):
    return make_member(partner, Role.EDITOR, name="Bea Ortiz", email="bea@acme.example")


def removal_url(user, partner):
    return reverse("portal:member_remove", args=[Membership.objects.get(user=user, partner=partner).pk])


def confirmation_form(page, action):
    """The confirmation page's form: it posts `confirmed` and goes back to `next`."""
    form = str(html_element(page, "form", action=action, class_="confirm-actions"))
    assert html_element(form, "input", type="hidden", name="confirmed", value="1")
    return form


class TestRemovingAMember:
    def test_the_confirmation_page_names_who_loses_what(self, complete_partner, bea, partner_admin_client):
        url = removal_url(bea, complete_partner)
        response = partner_admin_client.get(url, {"next": USERS})
        assert response.status_code == 200
        page = response.content.decode()
        assert html_element(page, "h1", id="confirm-title").children == [
            "Remove Bea Ortiz (bea@acme.example) from Acme Bookings?"
        ]
        assert "They lose access at once." in page and "alert contact role" not in page
        form = confirmation_form(page, url)
        assert html_element(form, "input", type="hidden", name="next", value=USERS)
        assert html_element(form, "a", href=USERS, class_="button")  # Cancel, back where they came from

    def test_an_alert_contact_is_told_that_role_goes_too(self, partner, admin_user, bea, partner_admin_client):
        complete_contacts(partner, alerts=[admin_user, bea])
        page = partner_admin_client.get(removal_url(bea, partner)).content.decode()
        assert "They lose access at once. Their alert contact role goes too." in page

    def test_a_post_without_confirmation_shows_the_question_and_changes_nothing(
        self, complete_partner, bea, partner_admin_client
    ):
        response = partner_admin_client.post(removal_url(bea, complete_partner), {"next": USERS})
        assert response.status_code == 200
        assertContains(response, "Remove Bea Ortiz (bea@acme.example) from Acme Bookings?")
        assert Membership.objects.filter(user=bea, partner=complete_partner).exists()
        assert not Activity.objects.filter(action=Activity.Action.MEMBER_REMOVED).exists()

    def test_the_confirmed_post_removes_and_goes_back(self, complete_partner, bea, partner_admin_client):
        back_to = partner_admin_client.get(MODAL).wsgi_request.get_full_path()
        response = partner_admin_client.post(removal_url(bea, complete_partner), {"next": back_to, "confirmed": "1"})
        assert response.status_code == 302 and response["Location"] == back_to
        assert not Membership.objects.filter(user=bea, partner=complete_partner).exists()

    def test_from_the_modal_the_confirmation_leads_back_to_the_users_tab(self, partner, bea, partner_admin_client):
        modal = partner_admin_client.get(MODAL).content.decode()
        remove_form = html_element(modal, "form", action=removal_url(bea, partner))
        back_to = html.unescape(dict(html_elements(str(remove_form), "input", name="next")[0].attributes)["value"])
        assert back_to.startswith(MODAL) and back_to.endswith("#panel-users")
        page = partner_admin_client.post(removal_url(bea, partner), {"next": back_to}).content.decode()
        assert html_element(page, "a", href=back_to, class_="button")
        response = partner_admin_client.post(removal_url(bea, partner), {"next": back_to, "confirmed": "1"})
        assert response["Location"] == back_to

    def test_leaving_is_asked_as_leaving(self, partner, admin_user, partner_admin_client):
        other_admin = make_member(partner, Role.ADMIN)
        complete_contacts(partner, alerts=[admin_user, other_admin])
        url = removal_url(admin_user, partner)
        page = partner_admin_client.get(url).content.decode()
        assert "Leave Acme Bookings?" in page
        assert "You lose access to Acme Bookings at once. Your alert contact role goes too." in page
        form = html_element(partner_admin_client.get(USERS).content.decode(), "form", action=url)
        assert dict(form.attributes)["data-confirm"] == "Leave Acme Bookings?"
        assert dict(form.attributes)["data-confirm-detail"] == (
            "You lose access to Acme Bookings at once. Your alert contact role goes too."
        )

    def test_only_admins_see_the_question_of_their_own_partner(self, complete_partner, bea, editor, viewer):
        url = removal_url(bea, complete_partner)
        for user in (editor, viewer):
            assert signed_in(user).get(url).status_code == 403
        other = make_partner("Other Co")
        assert signed_in(admin_of(other)).get(url).status_code == 404

    def test_other_actions_on_members_stay_post_only(self, complete_partner, bea, partner_admin_client):
        membership = Membership.objects.get(user=bea, partner=complete_partner)
        assert partner_admin_client.get(reverse("portal:member_role", args=[membership.pk])).status_code == 405


class TestTheUsersPanel:
    def test_the_remove_form_carries_its_question_for_the_dialog(self, partner, admin_user, bea, partner_admin_client):
        complete_contacts(partner, alerts=[admin_user, bea])
        page = partner_admin_client.get(USERS).content.decode()
        form = html_element(page, "form", action=removal_url(bea, partner))
        attributes = dict(form.attributes)
        assert attributes["data-confirm"] == "Remove Bea Ortiz (bea@acme.example) from Acme Bookings?"
        assert attributes["data-confirm-detail"] == "They lose access at once. Their alert contact role goes too."
        assert attributes["data-confirm-button"] == "Remove" and attributes["data-cancel-button"] == "Cancel"

    def test_names_are_escaped_once(self, complete_partner, partner_admin_client):
        odd = make_member(complete_partner, Role.VIEWER, name='Ann "A&B" <O\'Hara>', email="ann@acme.example")
        page = partner_admin_client.get(USERS).content.decode()
        form = html_element(page, "form", action=removal_url(odd, complete_partner))
        assert (
            dict(form.attributes)["data-confirm"] == 'Remove Ann "A&B" <O\'Hara> (ann@acme.example) from Acme Bookings?'
        )
        assert "<O'Hara>" not in page

    def test_every_cell_is_labelled_for_phones(self, complete_partner, bea, partner_admin_client):
        page = partner_admin_client.get(USERS).content.decode()
        labels = {dict(cell.attributes).get("data-label") for cell in html_elements(page, "td")}
        assert {"Name", "Email", "Role", "Last sign-in"} <= labels

    def test_roles_are_shown_by_their_label(self, complete_partner, bea, viewer_client):
        page = viewer_client.get(USERS).content.decode()
        assert html_elements(page, "td", data_label="Role")
        assert {str(c.children[0]).strip() for c in html_elements(page, "td", data_label="Role")} <= {
            "Admin",
            "Editor",
            "Viewer",
        }


class TestLaunching:
    @pytest.fixture
    def ready(self, partner, admin_user):
        complete_contacts(partner, alerts=[admin_user])
        return signed_in(admin_user, Environment.PRODUCTION)

    def test_the_button_asks_first(self, partner, ready):
        form = html_element(ready.get(DASHBOARD).content.decode(), "form", action=LAUNCH)
        assert dict(form.attributes)["data-confirm"] == "Launch the integration of Acme Bookings?"

    def test_a_disabled_button_asks_nothing(self, partner, admin_user):
        complete_contacts(partner)
        form = html_element(signed_in(admin_user).get(DASHBOARD).content.decode(), "form", action=LAUNCH)
        assert "data-confirm" not in dict(form.attributes)

    def test_without_javascript_a_page_asks(self, partner, ready):
        for response in (ready.get(LAUNCH), ready.post(LAUNCH)):
            assert response.status_code == 200
            page = response.content.decode()
            assert "Launch the integration of Acme Bookings?" in page
            assert "A launch cannot be undone." in page
            form = confirmation_form(page, LAUNCH)
            assert html_element(form, "a", href=DASHBOARD, class_="button")
        assert Partner.objects.get(pk=partner.pk).status == Partner.Status.ONBOARDING
        assert not Activity.objects.filter(action=Activity.Action.PARTNER_LAUNCHED).exists()

    def test_the_confirmed_post_launches(self, partner, ready):
        response = ready.post(LAUNCH, {"confirmed": "1"})
        assert response.status_code == 302 and response["Location"] == DASHBOARD
        assert Partner.objects.get(pk=partner.pk).status == Partner.Status.LAUNCHED

    def test_nothing_to_confirm_when_launch_is_refused(self, partner, admin_user):
        complete_contacts(partner)  # Production still lacks alert contacts
        response = signed_in(admin_user).get(LAUNCH, follow=True)
        assert response.redirect_chain[-1][0] == DASHBOARD
        assertContains(response, "Complete the Production contact information before launching.")

    def test_only_admins(self, partner, ready, editor):
        assert signed_in(editor).get(LAUNCH).status_code == 403
