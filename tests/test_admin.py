"""The operators' Django admin: every model browsable, searchable and filterable, and never gated."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from contacts.models import Contact
from partners.models import Activity, Invitation, Membership, Role, hash_token
from tests.helpers import PASSWORD, complete_contacts, make_member, make_partner


@pytest.fixture
def operator(db):
    return User.objects.create_superuser(email="operator@portal.example", password=PASSWORD)


@pytest.fixture
def operator_client(operator):
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def objects(partner, admin_user):
    """One object of every model the admin shows, all belonging to `partner`."""
    info = complete_contacts(partner)
    invitation = Invitation.objects.create(
        partner=partner,
        email="new.colleague@acme.example",
        role=Role.EDITOR,
        invited_by=admin_user,
        token_hash=hash_token("a-secret-token"),
        expires_at=timezone.now() + timedelta(days=7),
    )
    activity = Activity.objects.create(
        partner=partner, actor=admin_user, action=Activity.Action.INVITATION_SENT, subject=invitation.email
    )
    return {
        "partner": partner,
        "membership": Membership.objects.get(partner=partner, user=admin_user),
        "invitation": invitation,
        "activity": activity,
        "contactinformation": info,
        "contact": info.contacts.get(category="operator"),
        "user": admin_user,
    }


MODELS = ["partner", "membership", "invitation", "activity", "contactinformation", "contact", "user"]
CONTACT_MODELS = {"contactinformation", "contact"}


def admin_url(model, view, *args):
    """The admin URL of one view of a model, in whichever app owns it."""
    app = "contacts" if model in CONTACT_MODELS else "accounts" if model == "user" else "partners"
    return reverse(f"admin:{app}_{model}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS)
def test_an_operator_can_open_every_changelist(operator_client, objects, model):
    response = operator_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert objects[model] in response.context["cl"].result_list


@pytest.mark.parametrize("model", MODELS)
def test_an_operator_can_open_every_change_page(operator_client, objects, model):
    response = operator_client.get(admin_url(model, "change", objects[model].pk))
    assert response.status_code == 200
    assert response.context["original"] == objects[model]


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("partner", "Acme"),
        ("partner", "admin"),  # by a member's email
        ("membership", "Acme"),
        ("invitation", "new.colleague"),
        ("activity", "new.colleague"),
        ("contactinformation", "operator0@acme"),
        ("contact", "operator0@acme"),
        ("user", "@partner"),
    ],
)
def test_an_operator_can_search(operator_client, objects, model, query):
    other = make_partner("Other Bookings", admin_email="someone@other.example")
    Invitation.objects.create(
        partner=other, email="x@other.example", token_hash=hash_token("other"), expires_at=timezone.now()
    )
    Activity.objects.create(partner=other, action=Activity.Action.CONTACTS_UPDATED)
    found = operator_client.get(admin_url(model, "changelist"), {"q": query}).context["cl"]
    assert objects[model] in found.result_list
    assert found.result_count < found.full_result_count, "the search narrowed nothing"
    missing = operator_client.get(admin_url(model, "changelist"), {"q": "no-such-thing"}).context["cl"]
    assert missing.result_count == 0


def test_an_operator_can_filter_partners_by_integration(operator_client, partner):
    make_partner("Appointments Co", integration="appointments")
    reservations = operator_client.get(admin_url("partner", "changelist"), {"integration": "reservations"})
    assert list(reservations.context["cl"].result_list) == [partner]
    appointments = operator_client.get(admin_url("partner", "changelist"), {"integration": "appointments"})
    assert [p.name for p in appointments.context["cl"].result_list] == ["Appointments Co"]


def test_an_operator_can_filter_contacts_by_category(operator_client, objects):
    response = operator_client.get(admin_url("contact", "changelist"), {"category": "operator"})
    assert list(response.context["cl"].result_list) == [objects["contact"]]


def test_an_operator_sees_the_operator_only_contact_of_a_partner(operator_client, partner):
    info = complete_contacts(partner)
    Contact.objects.filter(contact_information=info, category="operator").update(email="escalations@acme.example")
    page = operator_client.get(admin_url("contactinformation", "change", info.pk)).content.decode()
    assert 'value="escalations@acme.example"' in page
    assert "Operational contact (for the operator)" in page


def test_activity_is_read_only_for_operators(operator_client, objects):
    response = operator_client.get(admin_url("activity", "change", objects["activity"].pk))
    assert response.context["has_change_permission"] is False
    assert operator_client.get(admin_url("activity", "add")).status_code == 403


def test_the_invitation_token_hash_is_read_only(operator_client, objects):
    response = operator_client.get(admin_url("invitation", "change", objects["invitation"].pk))
    assert response.status_code == 200
    assert "token_hash" not in response.context["adminform"].form.fields
    assert hash_token("a-secret-token") in response.content.decode()


def test_a_partner_admin_who_is_not_staff_is_sent_to_the_admin_sign_in(admin_user):
    client = Client()
    client.force_login(admin_user)
    for url in (reverse("admin:index"), admin_url("partner", "changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_an_operator_who_is_a_member_of_an_incomplete_partner_can_still_use_the_admin(partner):
    operator = make_member(partner, Role.ADMIN, email="operator@portal.example")
    operator.is_staff = operator.is_superuser = True
    operator.save()
    assert partner.missing_sandbox
    client = Client()
    client.force_login(operator)
    assert client.get(reverse("portal:dashboard"))["Location"].startswith(reverse("contacts:onboarding"))
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(admin_url("partner", "changelist")).status_code == 200
    assert client.get(admin_url("partner", "change", partner.pk)).status_code == 200


def test_an_operator_who_is_a_member_of_an_incomplete_partner_can_save_in_the_admin(partner):
    operator = make_member(partner, Role.ADMIN, email="operator@portal.example")
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client = Client()
    client.force_login(operator)
    response = client.post(
        admin_url("user", "change", operator.pk),
        {
            "email": operator.email,
            "name": "Olga Operator",
            "is_active": "on",
            "language": "en",
            "is_staff": "on",
            "is_superuser": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2025-01-01",
            "date_joined_1": "00:00:00",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": str(operator.memberships.get().pk),
            "memberships-0-user": str(operator.pk),
            "memberships-0-partner": str(partner.pk),
            "memberships-0-role": Role.ADMIN,
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    operator.refresh_from_db()
    assert operator.name == "Olga Operator"
