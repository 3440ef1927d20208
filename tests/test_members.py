"""Members: changing roles, removing people, who may do it, the member lists and switching partners."""

import re

import pytest
from django.template.defaultfilters import date as date_filter
from django.test.html import parse_html
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django.asserts import assertContains

from contacts.services import contact_information_for, membership_remove
from partners.models import Activity, Membership, Role
from partners.services import MembershipError
from tests.helpers import complete_contacts, html_element, html_elements, make_member, make_partner, signed_in

USERS = reverse("portal:users")
MODAL = reverse("contacts:onboarding")
DASHBOARD = reverse("portal:dashboard")


def membership_of(user, partner):
    return Membership.objects.get(user=user, partner=partner)


def change_role(client, membership, role):
    return client.post(reverse("portal:member_role", args=[membership.pk]), {"role": role, "next": USERS}, follow=True)


def remove(client, membership):
    return client.post(
        reverse("portal:member_remove", args=[membership.pk]), {"next": USERS, "confirmed": "1"}, follow=True
    )


def row_of(page, email):
    """The table row of the members list that shows `email`, parsed: `parse_html(cell) in row` finds a cell."""
    page = re.sub(r' data-label="[^"]*"', "", page)  # the phone layout's column names, beside each cell
    cell = parse_html(f"<td>{email}</td>")
    return next(row for row in html_elements(page, "tr") if cell in row)


def shows(row, html):
    """Whether a parsed row holds this element, compared as assertInHTML compares."""
    return parse_html(html) in row


class TestChangingRoles:
    def test_an_admin_makes_an_editor_a_viewer(self, complete_partner, editor, partner_admin_client):
        response = partner_admin_client.post(
            reverse("portal:member_role", args=[membership_of(editor, complete_partner).pk]),
            {"role": "viewer", "next": USERS},
        )
        assert response.status_code == 302 and response["Location"] == USERS
        assert membership_of(editor, complete_partner).role == Role.VIEWER

    def test_the_change_is_recorded_with_the_role_before_and_after(
        self, complete_partner, editor, admin_user, partner_admin_client
    ):
        change_role(partner_admin_client, membership_of(editor, complete_partner), Role.VIEWER)
        activity = Activity.objects.get(partner=complete_partner, action=Activity.Action.MEMBER_ROLE_CHANGED)
        assert activity.actor == admin_user
        assert activity.subject == editor.email
        assert (activity.before, activity.after) == ({"role": "editor"}, {"role": "viewer"})

    def test_the_following_page_confirms_the_change(self, complete_partner, editor, partner_admin_client):
        response = change_role(partner_admin_client, membership_of(editor, complete_partner), Role.VIEWER)
        assert response.redirect_chain == [(USERS, 302)]
        assert "Eddie Editor is now Viewer." in response.content.decode()

    def test_the_last_admin_cannot_be_demoted(self, complete_partner, admin_user, partner_admin_client):
        response = change_role(partner_admin_client, membership_of(admin_user, complete_partner), Role.EDITOR)
        assert "is the only Admin of" in response.content.decode()
        assert membership_of(admin_user, complete_partner).role == Role.ADMIN
        assert not Activity.objects.filter(action=Activity.Action.MEMBER_ROLE_CHANGED).exists()

    def test_with_two_admins_one_may_be_demoted(self, complete_partner, admin_user, partner_admin_client):
        second = make_member(complete_partner, Role.ADMIN, name="Second Admin")
        response = change_role(partner_admin_client, membership_of(admin_user, complete_partner), Role.EDITOR)
        assert "is now Editor." in response.content.decode()
        assert membership_of(admin_user, complete_partner).role == Role.EDITOR
        assert membership_of(second, complete_partner).role == Role.ADMIN

    def test_an_unknown_role_is_refused(self, complete_partner, editor, partner_admin_client):
        response = change_role(partner_admin_client, membership_of(editor, complete_partner), "owner")
        assert "Choose a role from the list." in response.content.decode()
        assert membership_of(editor, complete_partner).role == Role.EDITOR

    def test_a_scripted_name_is_escaped_in_the_confirmation(self, complete_partner, partner_admin_client):
        member = make_member(complete_partner, Role.EDITOR, name="<script>alert(1)</script>")
        response = change_role(partner_admin_client, membership_of(member, complete_partner), Role.VIEWER)
        assert response.redirect_chain == [(USERS, 302)] and response.status_code == 200
        page = response.content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt; is now Viewer." in page
        assert "<script>alert" not in page


class TestRemovingMembers:
    def test_an_admin_cannot_remove_themself_as_the_last_admin(
        self, complete_partner, admin_user, partner_admin_client
    ):
        response = remove(partner_admin_client, membership_of(admin_user, complete_partner))
        assert "is the only Admin of" in response.content.decode()
        assert Membership.objects.filter(user=admin_user, partner=complete_partner).exists()
        assert not Activity.objects.filter(action=Activity.Action.MEMBER_REMOVED).exists()

    def test_the_last_admin_cannot_be_removed_by_anyone(self, complete_partner, admin_user):
        with pytest.raises(MembershipError, match="only Admin"):
            membership_remove(membership=membership_of(admin_user, complete_partner), actor=None)
        assert Membership.objects.filter(user=admin_user, partner=complete_partner).exists()

    def test_the_only_alert_contact_cannot_be_removed(self, partner, partner_admin_client):
        member = make_member(partner, Role.EDITOR, name="Alma Alert")
        complete_contacts(partner, alerts=[member])
        response = remove(partner_admin_client, membership_of(member, partner))
        assert "Alma Alert is the only alert contact: choose another alert contact first." in response.content.decode()
        assert Membership.objects.filter(user=member, partner=partner).exists()
        assert list(contact_information_for(partner).alert_contacts.all()) == [member]

    def test_an_alert_contact_can_be_removed_while_another_remains(self, partner, admin_user, partner_admin_client):
        member = make_member(partner, Role.EDITOR, name="Alma Alert")
        complete_contacts(partner, alerts=[member, admin_user])
        assert partner.missing_production == []
        response = remove(partner_admin_client, membership_of(member, partner))
        assert "Alma Alert was removed." in response.content.decode()
        assert not Membership.objects.filter(user=member, partner=partner).exists()
        assert list(contact_information_for(partner).alert_contacts.all()) == [admin_user]
        partner.refresh_from_db()
        assert partner.missing_production == []

    def test_removing_a_plain_member_is_recorded(self, complete_partner, editor, admin_user, partner_admin_client):
        response = remove(partner_admin_client, membership_of(editor, complete_partner))
        assert response.redirect_chain == [(USERS, 302)]
        assert "Eddie Editor was removed." in response.content.decode()
        assert not Membership.objects.filter(user=editor, partner=complete_partner).exists()
        activity = Activity.objects.get(partner=complete_partner, action=Activity.Action.MEMBER_REMOVED)
        assert (activity.actor, activity.subject, activity.before) == (admin_user, editor.email, {"role": "editor"})


class TestFromTheModalUsersTab:
    """While the contact information is incomplete, the modal's Users tab is how an Admin hands the job over."""

    def back_to(self, client):
        """The `next` every action form of the modal's Users tab posts: back to that tab."""
        page = client.get(MODAL).content.decode()
        form = html_element(page, "form", action=reverse("portal:member_role", args=[self.membership.pk]))
        return dict(html_element(str(form), "input", type="hidden", name="next").attributes)["value"]

    @pytest.fixture(autouse=True)
    def setup(self, partner, editor):
        assert partner.missing_sandbox  # the gate holds
        self.membership = membership_of(editor, partner)

    def test_an_admin_changes_a_role_from_the_modal(self, partner, editor, partner_admin_client):
        back_to = self.back_to(partner_admin_client)
        assert back_to.startswith(MODAL) and back_to.endswith("#panel-users")
        response = partner_admin_client.post(
            reverse("portal:member_role", args=[self.membership.pk]), {"role": "admin", "next": back_to}
        )
        assert response.status_code == 302 and response["Location"] == back_to
        assert membership_of(editor, partner).role == Role.ADMIN
        assertContains(partner_admin_client.get(back_to), "Eddie Editor is now Admin.")

    def test_an_admin_removes_a_member_from_the_modal(self, partner, editor, partner_admin_client):
        back_to = self.back_to(partner_admin_client)
        response = partner_admin_client.post(
            reverse("portal:member_remove", args=[self.membership.pk]), {"next": back_to, "confirmed": "1"}
        )
        assert response.status_code == 302 and response["Location"] == back_to
        assert not Membership.objects.filter(user=editor, partner=partner).exists()
        assertContains(partner_admin_client.get(back_to), "Eddie Editor was removed.")


class TestWhoMayManageMembers:
    @pytest.fixture(params=["editor", "viewer"])
    def non_admin_client(self, request, complete_partner):
        return signed_in(request.getfixturevalue(request.param))

    def test_non_admins_may_not_change_roles(self, complete_partner, admin_user, editor, non_admin_client):
        for membership in (membership_of(admin_user, complete_partner), membership_of(editor, complete_partner)):
            response = non_admin_client.post(reverse("portal:member_role", args=[membership.pk]), {"role": "viewer"})
            assert response.status_code == 403
        assert membership_of(admin_user, complete_partner).role == Role.ADMIN
        assert membership_of(editor, complete_partner).role == Role.EDITOR

    def test_non_admins_may_not_remove_members(self, complete_partner, admin_user, editor, non_admin_client):
        for membership in (membership_of(admin_user, complete_partner), membership_of(editor, complete_partner)):
            response = non_admin_client.post(reverse("portal:member_remove", args=[membership.pk]))
            assert response.status_code == 403
        assert complete_partner.memberships.filter(user__in=[admin_user, editor]).count() == 2

    def test_another_partners_member_is_not_found(self, complete_partner, partner_admin_client):
        other = make_partner("Other Co")
        stranger = membership_of(make_member(other, Role.EDITOR), other)
        role = partner_admin_client.post(reverse("portal:member_role", args=[stranger.pk]), {"role": "viewer"})
        removal = partner_admin_client.post(reverse("portal:member_remove", args=[stranger.pk]))
        assert (role.status_code, removal.status_code) == (404, 404)
        stranger.refresh_from_db()
        assert stranger.role == Role.EDITOR
        assert not Activity.objects.filter(partner=other).exists()


class TestMemberLists:
    def assert_lists_members(self, page, admin_user, editor):
        editor_row = row_of(page, editor.email)
        assert shows(editor_row, "<td>Eddie Editor</td>")
        assert shows(editor_row, '<option value="editor" selected>Editor</option>')
        assert shows(editor_row, "<td>Never</td>")
        admin_user.refresh_from_db()
        with translation.override("en"):
            last_login = date_filter(timezone.localtime(admin_user.last_login), "SHORT_DATETIME_FORMAT")
        admin_row = row_of(page, admin_user.email)
        assert shows(admin_row, f"<td>{admin_user.name}</td>")
        assert shows(admin_row, '<option value="admin" selected>Admin</option>')
        assert shows(admin_row, f"<td>{last_login}</td>")

    def test_settings_users_lists_name_email_role_and_last_sign_in(
        self, complete_partner, admin_user, editor, partner_admin_client
    ):
        response = partner_admin_client.get(USERS)
        assert response.status_code == 200
        self.assert_lists_members(response.content.decode(), admin_user, editor)

    def test_the_modal_users_tab_lists_the_same(self, partner, admin_user, editor, partner_admin_client):
        response = partner_admin_client.get(MODAL)
        assert response.status_code == 200
        users_tab = str(html_element(response.content.decode(), "section", id="panel-users"))
        self.assert_lists_members(users_tab, admin_user, editor)

    def test_a_member_without_a_name_is_shown_by_email(self, complete_partner, partner_admin_client):
        nameless = make_member(complete_partner, Role.VIEWER)
        row = row_of(partner_admin_client.get(USERS).content.decode(), nameless.email)
        assert shows(row, "<td>—</td>")


class TestReadOnlyPanel:
    def assert_read_only(self, page, editor):
        assert "Send invitation" not in page
        assert "Only Admins can add users" in page
        assert reverse("portal:member_role", args=[editor.memberships.get().pk]) not in page
        assert shows(row_of(page, editor.email), "<td>Editor</td>")

    def test_a_viewer_sees_settings_users_read_only(self, complete_partner, editor, viewer_client):
        response = viewer_client.get(USERS)
        assert response.status_code == 200
        self.assert_read_only(response.content.decode(), editor)

    def test_a_viewer_sees_the_modal_users_tab_read_only(self, partner, editor, viewer_client):
        response = viewer_client.get(MODAL)
        assert response.status_code == 200
        self.assert_read_only(str(html_element(response.content.decode(), "section", id="panel-users")), editor)


class TestSwitchingPartners:
    @pytest.fixture
    def zenith(self, complete_partner, admin_user):
        other = make_partner("Zenith Tours")
        complete_contacts(other)
        Membership.objects.create(user=admin_user, partner=other, role=Role.VIEWER)
        return other

    def test_a_member_of_two_partners_can_switch(self, zenith, partner_admin_client):
        assert "<h1>Acme Bookings</h1>" in partner_admin_client.get(DASHBOARD).content.decode()
        response = partner_admin_client.post(reverse("portal:switch_partner"), {"partner": zenith.pk})
        assert response.status_code == 302 and response["Location"] == DASHBOARD
        page = partner_admin_client.get(DASHBOARD).content.decode()
        assert "<h1>Zenith Tours</h1>" in page

    def test_switching_to_a_partner_one_does_not_belong_to_is_not_found(self, complete_partner, partner_admin_client):
        stranger = make_partner("Stranger Inc")
        response = partner_admin_client.post(reverse("portal:switch_partner"), {"partner": stranger.pk})
        assert response.status_code == 404
        assert "<h1>Acme Bookings</h1>" in partner_admin_client.get(DASHBOARD).content.decode()

    def test_switching_to_a_garbled_partner_id_is_not_found(self, complete_partner, partner_admin_client):
        response = partner_admin_client.post(reverse("portal:switch_partner"), {"partner": "abc"})
        assert response.status_code == 404

    def test_after_a_switch_the_role_is_the_one_held_in_the_other_partner(self, zenith, partner_admin_client):
        assert "Send invitation" in partner_admin_client.get(USERS).content.decode()
        partner_admin_client.post(reverse("portal:switch_partner"), {"partner": zenith.pk})
        response = partner_admin_client.get(USERS)
        assert response.status_code == 200
        assertContains(response, f'<option value="{zenith.pk}" selected>Zenith Tours</option>', html=True)
        page = response.content.decode()
        assert "Only Admins can add users" in page
        assert "Send invitation" not in page
