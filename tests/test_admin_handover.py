"""Handing over the Admin role in one step, and an operator appointing an Admin for a partner left without one."""

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains

from accounts.models import User
from partners.models import Activity, Membership, Role
from partners.services import MembershipError, admin_appoint, admin_handover, operator_label
from tests.helpers import PASSWORD, complete_contacts, html_element, make_member, make_partner, signed_in

USERS = reverse("portal:users")


def membership_of(user, partner):
    return Membership.objects.get(user=user, partner=partner)


def handover_url(user, partner):
    return reverse("portal:admin_handover", args=[membership_of(user, partner).pk])


class TestHandover:
    def test_the_member_becomes_admin_and_the_admin_an_editor(self, complete_partner, admin_user, viewer):
        admin_handover(
            membership=membership_of(admin_user, complete_partner),
            to=membership_of(viewer, complete_partner),
            actor=admin_user,
        )
        assert membership_of(viewer, complete_partner).role == Role.ADMIN
        assert membership_of(admin_user, complete_partner).role == Role.EDITOR

    def test_both_changes_are_recorded(self, complete_partner, admin_user, viewer):
        admin_handover(
            membership=membership_of(admin_user, complete_partner),
            to=membership_of(viewer, complete_partner),
            actor=admin_user,
        )
        handed = Activity.objects.get(action=Activity.Action.ADMIN_HANDED_OVER)
        assert (handed.subject, handed.actor, handed.before, handed.after) == (
            viewer.email,
            admin_user,
            {"role": "viewer"},
            {"role": "admin"},
        )
        stepped = Activity.objects.get(action=Activity.Action.MEMBER_ROLE_CHANGED)
        assert (stepped.subject, stepped.before, stepped.after) == (
            admin_user.email,
            {"role": "admin"},
            {"role": "editor"},
        )

    def test_only_an_admin_hands_over(self, complete_partner, admin_user, editor, viewer):
        with pytest.raises(MembershipError, match="Only an Admin"):
            admin_handover(
                membership=membership_of(editor, complete_partner),
                to=membership_of(viewer, complete_partner),
                actor=editor,
            )
        assert membership_of(viewer, complete_partner).role == Role.VIEWER

    def test_not_to_oneself_nor_to_another_partner(self, complete_partner, admin_user):
        own = membership_of(admin_user, complete_partner)
        with pytest.raises(MembershipError):
            admin_handover(membership=own, to=own, actor=admin_user)
        other = make_partner("Other Co")
        stranger = Membership.objects.get(partner=other)
        with pytest.raises(MembershipError):
            admin_handover(membership=own, to=stranger, actor=admin_user)
        assert membership_of(admin_user, complete_partner).role == Role.ADMIN


class TestHandoverPages:
    def test_the_users_page_offers_it_and_the_page_asks_first(
        self, complete_partner, admin_user, viewer, partner_admin_client
    ):
        url = handover_url(viewer, complete_partner)
        page = partner_admin_client.get(USERS).content.decode()
        form = html_element(page, "form", action=reverse("portal:admin_handover_start"))
        assert "Email of the member" in str(form)
        response = partner_admin_client.get(reverse("portal:admin_handover_start"), {"email": viewer.email.upper()})
        assert response.status_code == 302 and response["Location"] == f"{url}?next=%2Fsettings%2Fusers%2F"
        assertContains(
            partner_admin_client.get(response["Location"]), f"Make Vera Viewer ({viewer.email}) Admin and step down?"
        )
        response = partner_admin_client.post(url, {"next": USERS})  # no confirmation yet: the question
        assertContains(response, f"Make Vera Viewer ({viewer.email}) Admin and step down?")
        assert membership_of(viewer, complete_partner).role == Role.VIEWER

    def test_naming_someone_who_is_not_another_member_says_so(self, complete_partner, admin_user, partner_admin_client):
        for email in ("stranger@elsewhere.example", admin_user.email, ""):
            response = partner_admin_client.get(reverse("portal:admin_handover_start"), {"email": email}, follow=True)
            assertContains(response, "is not another member of this account.")

    def test_only_admins_are_offered_it(self, complete_partner, viewer):
        from tests.helpers import signed_in

        page = signed_in(viewer).get(USERS).content.decode()
        assert reverse("portal:admin_handover_start") not in page
        assert (
            signed_in(viewer).get(reverse("portal:admin_handover_start"), {"email": "x@y.example"}).status_code == 403
        )

    def test_no_member_row_carries_it(self, complete_partner, admin_user, viewer, partner_admin_client):
        page = partner_admin_client.get(USERS).content.decode()
        assert handover_url(viewer, complete_partner) not in page  # a row stays light, whatever the members

    def test_the_confirmed_post_hands_over(self, complete_partner, admin_user, viewer, partner_admin_client):
        response = partner_admin_client.post(
            handover_url(viewer, complete_partner), {"next": USERS, "confirmed": "1"}, follow=True
        )
        assertContains(response, "is now Admin, and you are an Editor.")
        assert membership_of(viewer, complete_partner).role == Role.ADMIN
        assert membership_of(admin_user, complete_partner).role == Role.EDITOR

    def test_editors_and_other_partners_may_not(self, complete_partner, editor, viewer):
        url = handover_url(viewer, complete_partner)
        assert signed_in(editor).post(url, {"confirmed": "1"}).status_code == 403
        other_admin = Membership.objects.get(partner=make_partner("Other Co")).user
        assert signed_in(other_admin).post(url, {"confirmed": "1"}).status_code == 404
        assert membership_of(viewer, complete_partner).role == Role.VIEWER

    def test_it_reads_well_in_the_activity_log(self, complete_partner, admin_user, viewer, partner_admin_client):
        partner_admin_client.post(handover_url(viewer, complete_partner), {"confirmed": "1"})
        page = partner_admin_client.get(reverse("portal:activity"))
        assertContains(page, "Admin role handed over")
        assertContains(page, "Member role changed")


@pytest.fixture
def operator(db):
    return User.objects.create_superuser(email="operator@portal.example", password=PASSWORD)


@pytest.fixture
def orphaned(partner, admin_user, editor):
    """The partner after its only Admin's account was deleted: no Admin at all (the alert contact is the editor)."""
    complete_contacts(partner, alerts=[editor])
    Membership.objects.filter(user=admin_user).delete()
    return partner


class TestOperatorAppoints:
    def test_the_service_appoints_under_the_operators_label(self, orphaned, editor, operator):
        admin_appoint(membership=membership_of(editor, orphaned), operator=operator)
        assert membership_of(editor, orphaned).role == Role.ADMIN
        entry = Activity.objects.get(action=Activity.Action.ADMIN_APPOINTED)
        assert entry.actor_label == operator_label(operator) and entry.subject == editor.email
        assert (entry.before, entry.after) == ({"role": "editor"}, {"role": "admin"})

    def test_an_admin_is_not_appointed_again(self, complete_partner, admin_user, operator):
        with pytest.raises(MembershipError, match="already an Admin"):
            admin_appoint(membership=membership_of(admin_user, complete_partner), operator=operator)

    def test_from_the_django_admin(self, orphaned, editor, operator):
        client = Client()
        client.force_login(operator)
        changelist = reverse("admin:partners_membership_changelist")
        response = client.post(
            changelist,
            {"action": "appoint_admin", "_selected_action": [membership_of(editor, orphaned).pk]},
            follow=True,
        )
        assertContains(response, "Now Admin:")
        assert membership_of(editor, orphaned).role == Role.ADMIN
        entry = Activity.objects.get(action=Activity.Action.ADMIN_APPOINTED)
        assert entry.actor_display == "Operator (operator@portal.example)"

    def test_operators_find_partners_without_an_admin(self, orphaned, operator):
        make_partner("Kept Co")
        client = Client()
        client.force_login(operator)
        page = client.get(reverse("admin:partners_partner_changelist"), {"admins": "none"})
        assert [p.name for p in page.context["cl"].result_list] == ["Acme Bookings"]

    def test_the_partner_sees_who_appointed_the_admin(self, orphaned, editor, operator):
        admin_appoint(membership=membership_of(editor, orphaned), operator=operator)
        page = signed_in(editor).get(reverse("portal:activity"))
        assertContains(page, "Admin appointed by an operator")
        assertContains(page, "Operator (operator@portal.example)")

    def test_a_member_of_a_partner_without_admin_may_still_leave_when_not_needed(self, orphaned, viewer):
        # No Admin to keep: leaving is refused only for the only alert contact (the editor here).
        assert signed_in(viewer).post(reverse("portal:leave"), {"confirmed": "1"}).status_code == 302
        assert not Membership.objects.filter(user=viewer).exists()
        assert make_member  # the helper stays imported for readers adding cases
