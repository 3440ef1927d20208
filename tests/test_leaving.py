"""People leaving: a member leaves a partner themselves, under the rules of a removal, logged as a leave."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from contacts.leaving import leave_refusal, membership_leave
from partners.models import Activity, Membership, Role
from partners.services import MembershipError
from tests.helpers import complete_contacts, html_element, make_member, make_partner, signed_in

LEAVE = reverse("portal:leave")
USERS = reverse("portal:users")
DASHBOARD = reverse("portal:dashboard")


def membership_of(user, partner):
    return Membership.objects.get(user=user, partner=partner)


def confirm_leave(client, **extra):
    return client.post(LEAVE, {"confirmed": "1", "next": USERS, **extra})


class TestTheRule:
    def test_an_editor_leaves_and_it_is_logged_as_a_leave(self, complete_partner, editor):
        membership_leave(membership=membership_of(editor, complete_partner))
        assert not Membership.objects.filter(user=editor, partner=complete_partner).exists()
        entry = Activity.objects.get(partner=complete_partner, subject=editor.email)
        assert entry.action == Activity.Action.MEMBER_LEFT
        assert entry.actor == editor and entry.actor_label == editor.email
        assert entry.before == {"role": Role.EDITOR}

    def test_the_only_admin_may_not_leave(self, complete_partner, admin_user):
        with pytest.raises(MembershipError, match="your account is the only Admin of Acme Bookings"):
            membership_leave(membership=membership_of(admin_user, complete_partner))
        assert Membership.objects.filter(user=admin_user, partner=complete_partner).exists()
        assert not Activity.objects.filter(action=Activity.Action.MEMBER_LEFT).exists()

    def test_an_admin_may_leave_when_another_admin_stays(self, partner, admin_user):
        other = make_member(partner, Role.ADMIN)
        complete_contacts(partner, alerts=[other])
        membership_leave(membership=membership_of(admin_user, partner))
        assert list(partner.memberships.values_list("user", flat=True)) == [other.pk]

    def test_the_only_alert_contact_may_not_leave(self, partner, editor):
        complete_contacts(partner, alerts=[editor])
        with pytest.raises(MembershipError, match="only alert contact"):
            membership_leave(membership=membership_of(editor, partner))
        assert membership_of(editor, partner)

    def test_an_alert_contact_among_others_leaves_and_the_role_goes(self, partner, admin_user, editor):
        info = complete_contacts(partner, alerts=[admin_user, editor])
        membership_leave(membership=membership_of(editor, partner))
        assert list(info.alert_contacts.all()) == [admin_user]

    def test_the_refusal_is_told_before_asking(self, complete_partner, admin_user, editor):
        assert "only Admin" in leave_refusal(membership_of(admin_user, complete_partner))
        assert leave_refusal(membership_of(editor, complete_partner)) is None


class TestThePages:
    def test_the_users_page_offers_to_leave_to_every_member(self, complete_partner, viewer_client):
        page = viewer_client.get(USERS).content.decode()
        form = html_element(page, "form", action=LEAVE)
        assert "Leave Acme Bookings" in str(form)

    def test_the_link_asks_first_and_changes_nothing(self, complete_partner, viewer, viewer_client):
        response = viewer_client.get(LEAVE, {"next": USERS})
        assertContains(response, "Leave Acme Bookings?")
        assertContains(response, "You lose access to Acme Bookings at once.")
        assert html_element(response.content.decode(), "input", name="confirmed")
        viewer_client.post(LEAVE, {"next": USERS})  # the form without the confirmation: asked again
        assert membership_of(viewer, complete_partner)

    def test_after_leaving_the_member_lands_on_another_partner(self, complete_partner, viewer, viewer_client):
        other = make_partner("Zeta Travel")
        complete_contacts(other)
        Membership.objects.create(user=viewer, partner=other, role=Role.VIEWER)
        response = confirm_leave(viewer_client)
        assert response.status_code == 302 and response["Location"] == DASHBOARD
        page = viewer_client.get(DASHBOARD)
        assert page.status_code == 200 and page.context["partner"] == other
        assertContains(page, "You left Acme Bookings.")

    def test_with_no_partner_left_they_land_on_the_no_partner_page(self, complete_partner, viewer, viewer_client):
        response = confirm_leave(viewer_client)
        assert response["Location"] == DASHBOARD
        page = viewer_client.get(DASHBOARD)
        assert page.status_code == 403
        assertContains(page, "No partner account", status_code=403)
        assert not Membership.objects.filter(user=viewer).exists()

    def test_the_only_admin_is_told_why_at_once(self, complete_partner, partner_admin_client, admin_user):
        response = partner_admin_client.get(LEAVE, {"next": USERS}, follow=True)
        assertContains(response, "your account is the only Admin of Acme Bookings")
        assert response.redirect_chain[-1][0] == USERS
        confirm_leave(partner_admin_client)
        assert membership_of(admin_user, complete_partner)

    def test_an_admin_removing_their_own_row_leaves(self, partner, admin_user, partner_admin_client):
        other = make_member(partner, Role.ADMIN)
        complete_contacts(partner, alerts=[other])
        url = reverse("portal:member_remove", args=[membership_of(admin_user, partner).pk])
        response = partner_admin_client.post(url, {"confirmed": "1", "next": USERS})
        assert response["Location"] == DASHBOARD
        assert Activity.objects.get(subject=admin_user.email).action == Activity.Action.MEMBER_LEFT

    def test_leaving_reads_well_in_the_activity_log(self, complete_partner, admin_user, editor):
        membership_leave(membership=membership_of(editor, complete_partner))
        page = signed_in(admin_user).get(reverse("portal:activity"))
        assertContains(page, "Member left")
        assertContains(page, editor.email)

    def test_a_member_facing_the_modal_may_still_leave(self, partner, viewer, viewer_client):
        assert partner.missing_sandbox  # the contact information is incomplete: the gate holds
        assertContains(viewer_client.get(LEAVE), "Leave Acme Bookings?")
        confirm_leave(viewer_client)
        assert not Membership.objects.filter(user=viewer).exists()

    def test_leaving_is_get_or_post_only(self, complete_partner, viewer_client):
        assert viewer_client.put(LEAVE).status_code == 405
