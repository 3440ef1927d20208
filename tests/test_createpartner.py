"""manage.py createpartner: the partner, its first Admin, the one-time link and every refusal."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from contacts.models import ContactInformation
from partners.models import Membership, Partner, Role
from tests.helpers import PASSWORD

LINK = re.compile(r"https?://\S+?(/accounts/reset/[^/\s]+/[^/\s]+/)")
NEW_PASSWORD = "a-Fresh-new-passw0rd"

pytestmark = pytest.mark.django_db


def createpartner(name="Acme Bookings", *args, integration="reservations", admin="ana@acme.example", **options):
    """Run the command and return what it printed."""
    out = StringIO()
    call_command("createpartner", name, *args, integration=integration, admin=admin, stdout=out, **options)
    return out.getvalue()


def printed_link_path(output):
    """The path of the one-time link the command printed."""
    match = LINK.search(output)
    assert match, output
    return match.group(1)


def test_good_arguments_create_the_partner_its_admin_and_empty_contact_information():
    createpartner("Acme Bookings", integration="appointments", admin="ana@acme.example", admin_name="Ana")
    partner = Partner.objects.get()
    assert (partner.name, partner.integration, partner.phone_region) == ("Acme Bookings", "appointments", "US")
    membership = Membership.objects.get(partner=partner)
    assert membership.role == Role.ADMIN
    assert (membership.user.email, membership.user.name) == ("ana@acme.example", "Ana")
    assert ContactInformation.objects.filter(partner=partner).exists()


def test_the_new_partner_stores_what_its_contact_information_is_missing():
    createpartner(integration="reservations")
    partner = Partner.objects.get()
    assert "technical_emergency_required" in partner.missing_sandbox
    assert "merchant_issues_required" in partner.missing_sandbox
    assert "alert_contacts_required" in partner.missing_production
    assert "alert_contacts_required" not in partner.missing_sandbox


def test_the_merchant_contact_is_not_required_where_the_integration_does_not_need_it():
    createpartner(integration="appointments")
    assert "merchant_issues_required" not in Partner.objects.get().missing_sandbox


def test_the_phone_region_is_stored_in_upper_case():
    createpartner(phone_region="es")
    assert Partner.objects.get().phone_region == "ES"


def test_without_a_password_the_admin_cannot_sign_in_until_they_choose_one():
    output = createpartner()
    user = User.objects.get()
    assert not user.has_usable_password()
    assert "Set a password (one use): http://127.0.0.1:8000/accounts/reset/" in output


def test_the_printed_link_uses_the_base_url():
    output = createpartner(base_url="https://portal.example/")
    assert "https://portal.example/accounts/reset/" in output
    assert "https://portal.example//" not in output


def test_the_one_time_link_sets_the_password_and_then_stops_working():
    path = printed_link_path(createpartner())
    client = Client()

    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    set_password_url = form_page.redirect_chain[-1][0]

    response = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    assert User.objects.get().check_password(NEW_PASSWORD)

    again = Client().get(path, follow=True)
    assert again.context["validlink"] is False
    assert "This link no longer works" in again.content.decode()


def test_with_a_password_the_admin_can_sign_in_and_no_link_is_printed():
    output = createpartner(password=PASSWORD)
    assert "/accounts/reset/" not in output
    response = Client().post(reverse("login"), {"username": "ana@acme.example", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("portal:dashboard")


def test_an_existing_user_is_reused_even_when_the_email_differs_in_case():
    existing = User.objects.create_user(email="ana@acme.example", password=PASSWORD)
    output = createpartner(admin="ANA@ACME.EXAMPLE")
    assert User.objects.count() == 1
    assert Membership.objects.get().user == existing
    assert "(existing user)" in output
    existing.refresh_from_db()
    assert existing.check_password(PASSWORD), "an existing user's password is kept when none is given"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"integration": "carpooling"}, "invalid choice: 'carpooling'"),
        ({"admin": "not-an-email"}, "'not-an-email' is not a valid email address."),
        ({"name": "   "}, "The partner needs a name."),
        ({"name": "x" * 201}, "The partner's name is too long (200 characters at most)."),
        ({"phone_region": "XX"}, "'XX' is not a phone region"),
        ({"password": "123"}, "The password is too weak: "),
    ],
    ids=["unknown-integration", "invalid-email", "empty-name", "too-long-name", "unknown-region", "weak-password"],
)
def test_bad_arguments_are_refused_with_a_clear_message_and_create_nothing(arguments, message):
    with pytest.raises(CommandError) as error:
        createpartner(**arguments)
    assert message in str(error.value)
    assert not Partner.objects.exists()
    assert not User.objects.exists()


def test_a_weak_password_names_what_is_wrong_with_it():
    with pytest.raises(CommandError, match="too short"):
        createpartner(password="123")


def test_a_name_of_exactly_200_characters_is_accepted():
    createpartner("x" * 200)
    assert Partner.objects.get().name == "x" * 200
