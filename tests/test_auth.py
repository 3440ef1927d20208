"""Signing in with an email, signing out, resetting a password, and what anonymous visitors may see."""

import re
from urllib.parse import quote

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from contacts.services import partner_create
from tests.helpers import PASSWORD, signed_in

LOGIN = reverse("login")
RESET = reverse("password_reset")
RESET_LINK = re.compile(r"https?://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)")
NEW_PASSWORD = "a-Fresh-new-passw0rd"


def sign_in(client, email, password=PASSWORD):
    """Post the sign-in form."""
    return client.post(LOGIN, {"username": email, "password": password})


def test_the_sign_in_page_asks_for_an_email(db):
    response = Client().get(LOGIN)
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'<input type="email" name="username"[^>]*autocomplete="email"', page)
    assert "Email" in page
    assert 'name="password"' in page


def test_signing_in_takes_the_user_to_the_dashboard(admin_user):
    client = Client()
    response = sign_in(client, admin_user.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")
    assert client.session[SESSION_KEY] == str(admin_user.pk)


def test_signing_in_with_the_email_in_another_case_works(admin_user):
    client = Client()
    response = sign_in(client, admin_user.email.upper())
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(admin_user.pk)


def test_users_are_found_by_email_in_any_case(admin_user):
    assert User.objects.get_by_natural_key(f"  {admin_user.email.upper()} ") == admin_user


def test_a_wrong_password_shows_an_error_and_starts_no_session(admin_user):
    client = Client()
    response = sign_in(client, admin_user.email, password="not-the-password")
    assert response.status_code == 200
    assert "Please enter a correct email address and password." in response.content.decode()
    assert SESSION_KEY not in client.session


def test_an_unknown_email_shows_the_same_error(db):
    response = sign_in(Client(), "nobody@nowhere.example")
    assert response.status_code == 200
    assert "Please enter a correct email address and password." in response.content.decode()


def test_signing_in_goes_back_to_a_same_site_next(admin_user):
    response = Client().post(LOGIN, {"username": admin_user.email, "password": PASSWORD, "next": "/help/"})
    assert response["Location"] == "/help/"


def test_signing_in_ignores_an_off_site_next(admin_user):
    response = Client().post(
        LOGIN, {"username": admin_user.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("portal:dashboard")


def test_signing_out_is_a_post_that_ends_the_session(admin_user):
    client = signed_in(admin_user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert SESSION_KEY not in client.session
    assert client.get(reverse("portal:dashboard"))["Location"].startswith(LOGIN)


def test_signing_out_with_a_get_does_not_end_the_session(admin_user):
    client = signed_in(admin_user)
    assert client.get(reverse("logout")).status_code == 405
    assert client.session[SESSION_KEY] == str(admin_user.pk)


def test_a_password_reset_for_a_known_address_sends_one_email_with_a_link(admin_user, sent):
    with sent():
        response = Client().post(RESET, {"email": admin_user.email})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [admin_user.email]
    assert message.subject == "Choose a password for the Partner Portal"
    assert RESET_LINK.search(message.body)


def test_a_password_reset_finds_the_address_in_any_case(admin_user, sent):
    with sent():
        Client().post(RESET, {"email": admin_user.email.upper()})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [admin_user.email]


def test_the_emailed_link_sets_a_new_password_once(admin_user, sent):
    with sent():
        Client().post(RESET, {"email": admin_user.email})
    path = RESET_LINK.search(mail.outbox[0].body).group(1)
    client = Client()
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"] is True
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    admin_user.refresh_from_db()
    assert admin_user.check_password(NEW_PASSWORD)
    assert "This link no longer works" in Client().get(path, follow=True).content.decode()


def test_a_password_reset_for_an_unknown_address_sends_nothing_and_looks_the_same(admin_user, sent):
    client = Client()
    with sent():
        known = client.post(RESET, {"email": admin_user.email}, follow=True)
    mail.outbox.clear()
    with sent():
        unknown = client.post(RESET, {"email": "nobody@nowhere.example"}, follow=True)
    assert mail.outbox == []
    assert unknown.redirect_chain == known.redirect_chain
    assert [t.name for t in unknown.templates] == [t.name for t in known.templates]
    assert "Check your email" in unknown.content.decode()


def test_an_admin_created_without_a_password_can_still_ask_for_a_reset_link(db, sent):
    partner_create(name="Acme", integration="reservations", admin_email="ana@acme.example")
    with sent():
        Client().post(RESET, {"email": "ana@acme.example"})
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("url_name", ["portal:dashboard", "contacts:edit"])
def test_anonymous_visitors_are_sent_to_sign_in_with_next(db, url_name):
    url = reverse(url_name)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={quote(url)}"


def test_the_help_page_works_anonymously(db):
    response = Client().get(reverse("portal:help"))
    assert response.status_code == 200
    assert response.templates[0].name == "portal/help.html"


def test_the_health_check_works_anonymously(db):
    response = Client().get(reverse("health"))
    assert response.status_code == 200
    assert response.content == b"ok"
