"""Operators' edits in the Django admin keep completeness, the form's version and the Admin rule intact."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from accounts.models import User
from contacts.models import Contact, ContactInformation
from partners.environments import Environment
from partners.models import Membership, Partner, Role
from tests.helpers import admin_of, complete_contacts, contact_form_data, make_member, make_partner, signed_in

SETTINGS = reverse("contacts:edit")


@pytest.fixture
def operator_client(db):
    return signed_in(User.objects.create_superuser(email="op@portal.example", password="x-Op3rator-pass"))


@pytest.fixture
def world(db):
    partner = make_partner()
    admin = admin_of(partner)
    editor = make_member(partner, Role.EDITOR)
    info = complete_contacts(partner, alerts=[editor])
    return partner, admin, editor, info


def test_deleting_a_required_contact_locks_the_gate_again(operator_client, world):
    partner, admin, _, info = world
    assert signed_in(admin).get(reverse("portal:dashboard")).status_code == 200
    shared = info.contacts.get(category="shared")
    operator_client.post(reverse("admin:contacts_contact_delete", args=[shared.pk]), {"post": "yes"})
    partner.refresh_from_db()
    assert "shared_required" in partner.missing_sandbox
    assert signed_in(admin).get(reverse("portal:dashboard")).status_code == 302


def test_editing_a_contact_shows_on_the_settings_page_at_once(operator_client, world):
    _partner, admin, _, info = world
    client = signed_in(admin)
    assert "operator0@acme.example" in client.get(SETTINGS).content.decode()  # now cached
    row = info.contacts.get(category="operator")
    operator_client.post(
        reverse("admin:contacts_contact_change", args=[row.pk]),
        {"contact_information": info.pk, "category": "operator", "email": "new-ops@acme.example"},
    )
    response = client.get(SETTINGS)
    assert response.status_code == 200
    page = response.content.decode()
    assert "new-ops@acme.example" in page and "operator0@acme.example" not in page


def test_deleting_the_only_alert_contact_user_re_gates_production(operator_client, world):
    partner, admin, editor, _info = world
    operator_client.post(reverse("admin:accounts_user_delete", args=[editor.pk]), {"post": "yes"})
    partner.refresh_from_db()
    assert partner.missing_production == ["alert_contacts_required"]
    assert signed_in(admin, Environment.PRODUCTION).get(reverse("portal:dashboard")).status_code == 302


def test_removing_a_membership_drops_the_alert_contact_so_sandbox_saves_still_work(operator_client, world):
    partner, admin, editor, info = world
    membership = Membership.objects.get(user=editor, partner=partner)
    operator_client.post(reverse("admin:partners_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert not info.alert_contacts.exists()
    version = ContactInformation.objects.get(pk=info.pk).version
    response = signed_in(admin).post(SETTINGS, contact_form_data(version=version))
    assert response.status_code == 302


def test_the_last_admin_cannot_be_removed_or_demoted_in_the_admin(operator_client, world):
    partner, admin, _editor, _ = world
    membership = Membership.objects.get(user=admin, partner=partner)
    assert operator_client.get(reverse("admin:partners_membership_delete", args=[membership.pk])).status_code == 403
    assert operator_client.get(reverse("admin:accounts_user_delete", args=[admin.pk])).status_code == 403
    response = operator_client.post(
        reverse("admin:partners_membership_change", args=[membership.pk]),
        {"user": admin.pk, "partner": partner.pk, "role": Role.VIEWER},
    )
    assert response.status_code == 200 and "is the only Admin of" in response.content.decode()
    memberships = list(partner.memberships.order_by("pk"))
    data = {
        "name": partner.name,
        "integration": partner.integration,
        "phone_region": partner.phone_region,
        "status": partner.status,
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
    }
    for i, m in enumerate(memberships):
        data.update({f"memberships-{i}-id": m.pk, f"memberships-{i}-partner": partner.pk})
        data.update({f"memberships-{i}-user": m.user_id, f"memberships-{i}-role": m.role})
        if m.user_id == admin.pk:
            data[f"memberships-{i}-DELETE"] = "on"
    response = operator_client.post(reverse("admin:partners_partner_change", args=[partner.pk]), data)
    assert response.status_code == 200
    assert Membership.objects.filter(partner=partner, role=Role.ADMIN).count() == 1


def test_changing_the_integration_kind_updates_completeness(operator_client, db):
    partner = make_partner(integration="appointments")
    complete_contacts(partner)
    Contact.objects.filter(category="merchant_issues").delete()
    operator_client.post(
        reverse("admin:partners_partner_change", args=[partner.pk]),
        {
            "name": partner.name,
            "integration": "ordering",
            "phone_region": "US",
            "language": "en",
            "status": partner.status,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert "merchant_issues_required" in Partner.objects.get(pk=partner.pk).missing_sandbox


def test_a_second_shared_contact_is_replaced_by_the_next_save(world):
    partner, admin, _, info = world
    Contact.objects.create(contact_information=info, category="shared", email="second@acme.example")
    from contacts.services import contact_status_refresh

    contact_status_refresh(partner=partner)
    assert "shared_required" in Partner.objects.get(pk=partner.pk).missing_sandbox
    client = signed_in(admin)
    from tests.helpers import posted_values

    data = posted_values(client.get(reverse("contacts:onboarding")))
    assert client.post(reverse("contacts:onboarding"), data).status_code == 302
    assert info.contacts.filter(category="shared").count() == 1
    assert Partner.objects.get(pk=partner.pk).missing_sandbox == []


@pytest.fixture
def two_admins(world):
    """The partner of `world` with a second Admin: either may go, not both."""
    partner, admin, _editor, _info = world
    second = make_member(partner, Role.ADMIN)
    return partner, [admin, second]


def test_bulk_deleting_every_admin_membership_keeps_one(operator_client, two_admins):
    partner, _admins = two_admins
    chosen = Membership.objects.filter(partner=partner, role=Role.ADMIN)
    response = operator_client.post(
        reverse("admin:partners_membership_changelist"),
        {"action": "delete_selected", "_selected_action": [m.pk for m in chosen], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert Membership.objects.filter(partner=partner, role=Role.ADMIN).count() == 1
    assertContains(response, "Not deleted, the last Admin of a partner")


def test_bulk_deleting_every_admin_user_keeps_one(operator_client, two_admins):
    partner, admins = two_admins
    response = operator_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [user.pk for user in admins], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert Membership.objects.filter(partner=partner, role=Role.ADMIN).count() == 1
    assert User.objects.filter(pk__in=[user.pk for user in admins]).count() == 1
    assertContains(response, "Not deleted, the last Admin of a partner")


def test_bulk_deleting_admins_of_a_partner_that_keeps_one_deletes_them(operator_client, two_admins):
    partner, admins = two_admins
    third = make_member(partner, Role.ADMIN)
    response = operator_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [user.pk for user in admins], "post": "yes"},
    )
    assert response.status_code == 302
    assert list(Membership.objects.filter(partner=partner, role=Role.ADMIN).values_list("user", flat=True)) == [
        third.pk
    ]
