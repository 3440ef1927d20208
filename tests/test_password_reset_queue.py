"""Password reset emails go through the outbox: sent after the request, in the page's language, the link erased
from the database once sent, and a mail server that is down never breaks the reset page."""

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from accounts.models import OutgoingEmail
from accounts.outbox import ERASED_BODY
from contacts.services import partner_create
from tests.test_outbox import REFUSING, use_mailer

pytestmark = pytest.mark.django_db

RESET = reverse("password_reset")
RESET_LINK = re.compile(r"https?://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)")
NEW_PASSWORD = "Corr3ct-horse-battery"


def ask_for_a_reset(email, language=None):
    """An anonymous visitor asks for a reset link on the reset page, optionally in another language."""
    client = Client()
    if language:
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client.post(RESET, {"email": email}, follow=True)


def test_the_link_is_queued_then_sent_once_the_request_is_over(admin_user, sent):
    with sent() as outbox:
        response = ask_for_a_reset(admin_user.email)
        assert outbox == []  # not during the request: a slow mail server never holds the page
    assert response.redirect_chain == [(reverse("password_reset_done"), 302)]
    [message] = outbox
    assert message.to == [admin_user.email]
    assert message.subject == "Choose a password for the Partner Portal"
    email = OutgoingEmail.objects.get()
    assert (email.to, email.language, email.status) == (admin_user.email, "en", OutgoingEmail.Status.SENT)


def test_the_emailed_link_works_and_is_not_kept_in_the_database(admin_user, sent):
    with sent() as outbox:
        ask_for_a_reset(admin_user.email.upper())
    assert outbox[0].to == [admin_user.email]
    email = OutgoingEmail.objects.get()
    assert email.one_time_link and email.body == ERASED_BODY
    client = Client()
    form_page = client.get(RESET_LINK.search(outbox[0].body).group(1), follow=True)
    assert form_page.context["validlink"] is True
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    admin_user.refresh_from_db()
    assert admin_user.check_password(NEW_PASSWORD)


def test_the_email_is_written_in_the_language_of_the_page(admin_user, sent):
    with sent() as outbox:
        ask_for_a_reset(admin_user.email, language="es")
    assert outbox[0].subject == "Elige una contraseña para el Portal para socios"
    assert OutgoingEmail.objects.get().language == "es"


def test_an_unknown_address_queues_nothing(db, sent):
    with sent() as outbox:
        response = ask_for_a_reset("nobody@nowhere.example")
    assert response.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert outbox == [] and not OutgoingEmail.objects.exists()


def test_an_admin_created_without_a_password_gets_a_link_too(db, sent):
    partner_create(name="Acme", integration="reservations", admin_email="ana@acme.example")
    with sent() as outbox:
        ask_for_a_reset("ana@acme.example")
    assert [message.to for message in outbox] == [["ana@acme.example"]]


def test_with_the_mail_server_down_the_page_answers_as_usual_and_the_email_waits(admin_user, settings, sent):
    use_mailer(settings, REFUSING)
    with sent() as outbox:
        response = ask_for_a_reset(admin_user.email)
    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert "Check your email" in response.content.decode()
    email = OutgoingEmail.objects.get()
    assert email.retrying and "ConnectionRefusedError" in email.last_error
    assert RESET_LINK.search(email.body)  # kept for the next attempt
    assert outbox == []
