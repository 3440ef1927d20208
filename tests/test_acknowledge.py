"""The acknowledgement page an alert or emergency email links to: GET shows, only POST records, bad links get 410."""

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import User
from contacts.notifications.models import Delivery
from contacts.notifications.services import integration_disable, notify
from contacts.routing import NotificationKind
from tests.helpers import admin_of, complete_contacts, html_element, make_partner, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner():
    partner = make_partner("Acme Bookings")
    complete_contacts(partner, alerts=[admin_of(partner)], per_category=2)
    return partner


@pytest.fixture
def emergency(partner, sent):
    """An emergency with two deliveries, and the acknowledgement path of each, read from the emails sent."""
    with sent() as outbox:
        notification = notify(
            partner=partner, kind=NotificationKind.EMERGENCY, subject="Bookings fail", body="Since 10:00"
        )
    paths = [re.search(r"https?://[^/\s]+(/acknowledge/[^/\s]+/)", m.body).group(1) for m in outbox]
    assert len(paths) == 2
    return notification, paths


def recorded(notification):
    notification.refresh_from_db()
    return notification.acknowledged_at, list(notification.deliveries.values_list("acknowledged_at", flat=True))


def test_get_and_head_show_what_happened_and_a_button_and_record_nothing(emergency, client):
    notification, [path, _other] = emergency
    response = client.get(path)
    assert response.status_code == 200
    assertContains(response, "Bookings fail")
    assertContains(response, "Acme Bookings")
    assertContains(response, "Since 10:00")
    assertContains(response, "technical_emergency0@acme.example")
    button = html_element(
        response.content.decode(), "button", type="submit", class_="button button-block button-primary"
    )
    assert "Acknowledge" in str(button)  # a real submit button in a form: Tab and Enter reach it, no script needed
    assert "no-store" in response["Cache-Control"]  # a shared link's page is not cached
    assert client.head(path).status_code == 200
    assert recorded(notification) == (None, [None, None])


def test_pressing_acknowledge_records_who_and_when(emergency, client):
    notification, [path, _other] = emergency
    response = client.post(path)
    assert response.status_code == 200
    assertContains(response, "your acknowledgement is recorded")
    assertContains(response, 'role="status"')
    assertNotContains(response, "Acknowledge</button>")  # no second button
    acknowledged_at, deliveries = recorded(notification)
    assert acknowledged_at is not None and deliveries[0] is not None and deliveries[1] is None
    assert notification.acknowledged_by == "technical_emergency0@acme.example"  # signed out: the address


def test_a_forwarded_link_acknowledges_for_its_recipient_whoever_is_signed_in(emergency):
    notification, [path, _other] = emergency
    stranger = admin_of(make_partner("Another partner"))  # their email must never show on Acme's pages
    assert signed_in(stranger).post(path).status_code == 200
    notification.refresh_from_db()
    assert notification.acknowledged_by == "technical_emergency0@acme.example"


def test_the_second_recipient_is_told_who_acknowledged_first(emergency, client):
    notification, [first, second] = emergency
    client.post(first)
    page = client.get(second)
    assertContains(page, "Already acknowledged by technical_emergency0@acme.example")
    assertContains(page, "Acknowledge as well")
    response = client.post(second)
    assertContains(response, "It had already been acknowledged by technical_emergency0@acme.example")
    notification.refresh_from_db()
    assert notification.acknowledged_by == "technical_emergency0@acme.example"
    assert all(notification.deliveries.values_list("acknowledged_at", flat=True))


def test_pressing_twice_changes_nothing(emergency, client):
    notification, [path, _other] = emergency
    client.post(path)
    before = recorded(notification)
    assertContains(client.post(path), "It had already been acknowledged")
    assert recorded(notification) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_link_is_gone_with_a_helpful_page(db, client, method, settings):
    settings.OPERATIONS_EMAIL = "operators@portal.example"
    response = getattr(client, method)(reverse("notifications:acknowledge", args=["not-a-real-token"]))
    assert response.status_code == 410
    assertContains(response, "This acknowledgement link no longer works", status_code=410)
    assertContains(response, "work for 7 days", status_code=410)
    assertContains(
        response, '<a href="mailto:operators@portal.example">operators@portal.example</a>', status_code=410, html=True
    )


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_is_gone_and_records_nothing(emergency, client, method):
    notification, [path, _other] = emergency
    Delivery.objects.update(token_expires_at=timezone.now() - timedelta(seconds=1))
    response = getattr(client, method)(path)
    assert response.status_code == 410
    assertContains(response, "This acknowledgement link no longer works", status_code=410)
    assert recorded(notification) == (None, [None, None])


def test_other_methods_are_refused(emergency, client):
    _notification, [path, _other] = emergency
    assert client.put(path).status_code == 405
    assert client.delete(path).status_code == 405


def test_it_works_while_the_signed_in_users_partner_is_gated(emergency):
    notification, [path, _other] = emergency
    gated = admin_of(make_partner("Still onboarding"))  # no contact information: every portal page is the modal
    client = signed_in(gated)
    assert client.get(reverse("portal:dashboard")).status_code == 302  # the gate holds elsewhere
    page = client.get(path)
    assert page.status_code == 200
    assertContains(page, "Bookings fail")
    assert client.post(path).status_code == 200
    notification.refresh_from_db()
    assert notification.acknowledged_by == "technical_emergency0@acme.example"


def test_an_operator_signed_in_to_the_admin_may_acknowledge(emergency):
    notification, [path, _other] = emergency
    operator = User.objects.create_superuser(email="op@portal.example", password="x-Op3rator-pass")
    assert signed_in(operator).post(path).status_code == 200
    notification.refresh_from_db()
    assert notification.acknowledged_by == "technical_emergency0@acme.example"


def test_csrf_protects_the_button_and_works_for_a_visitor_signed_out(emergency):
    notification, [path, _other] = emergency
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(path).status_code == 403  # no token, no cookie: refused
    assert recorded(notification)[0] is None

    page = browser.get(path)
    assert django_settings.CSRF_COOKIE_NAME in browser.cookies  # the GET hands a signed-out visitor the cookie
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = browser.post(path, {"csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert recorded(notification)[0] is not None


def test_the_page_speaks_the_emails_language_unless_the_visitor_chose_one(partner, sent, client):
    partner.language = "es"
    partner.save(update_fields=["language"])
    with sent() as outbox:
        integration_disable(partner=partner, operator=admin_of(partner), reason="Reservas duplicadas")
    path = re.search(r"https?://[^/\s]+(/acknowledge/[^/\s]+/)", outbox[0].body).group(1)
    page = client.get(path, headers={"accept-language": "en"})
    assertContains(page, '<html lang="es">')
    assertContains(page, "Reservas duplicadas")

    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    assertContains(client.get(path), '<html lang="en">')


def test_the_link_in_the_email_leads_to_the_page(emergency):
    _notification, [path, _other] = emergency
    assert path.startswith("/acknowledge/")
    assert reverse("notifications:acknowledge", args=[path.split("/")[2]]) == path
