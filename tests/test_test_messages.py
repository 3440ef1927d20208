"""Test messages: a test per contact category from Settings › Contact information, acknowledged per address."""

import re
from datetime import UTC, timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import OutgoingEmail
from contacts.models import Contact
from contacts.notifications import services
from contacts.notifications.models import TEST, Delivery, Notification
from contacts.services import contact_status_refresh
from partners.environments import Environment
from partners.models import Role
from tests.helpers import admin_of, complete_contacts, make_member, make_partner, signed_in

pytestmark = pytest.mark.django_db

URL = reverse("notifications:test_messages")
EMERGENCY = "technical_emergency"
ADDRESSES = ["technical_emergency0@acme.example", "technical_emergency1@acme.example"]


@pytest.fixture
def partner():
    """Two addresses per contact category; the Admin is the alert contact."""
    partner = make_partner("Acme Bookings")
    complete_contacts(partner, alerts=[admin_of(partner)], per_category=2)
    return partner


@pytest.fixture
def editor(partner):
    return make_member(partner, Role.EDITOR, name="Eddie Editor")


def production(user):
    return signed_in(user, Environment.PRODUCTION)


def send(client, category=EMERGENCY):
    return client.post(URL, {"category": category})


def flashed(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def links(outbox):
    return {m.to[0]: re.search(r"https?://[^/\s]+(/acknowledge/[^/\s]+/)", m.body).group(1) for m in outbox}


def last_test(partner, category=EMERGENCY):
    return Notification.objects.filter(partner=partner, kind=TEST, category=category).first()


def row(response, address):
    """The text of the row of an address on the page, tags stripped."""
    html = response.content.decode()
    match = re.search(rf"<tr[^>]*>\s*<td>{re.escape(address)}</td>(.*?)</tr>", html, re.S)
    assert match, f"no row for {address}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


# --- Sending ---------------------------------------------------------------------------------------------


def test_sending_emails_each_address_of_the_category_once_with_an_acknowledgement_link(partner, editor, sent):
    client = production(editor)
    with sent() as outbox:
        response = send(client)
    assert response.status_code == 302
    assert response["Location"] == f"{URL}#category-{EMERGENCY}"
    assert sorted(m.to[0] for m in outbox) == ADDRESSES  # nobody of another category
    assert all("test message" in m.subject.lower() and "Acme Bookings" in m.subject for m in outbox)
    assert set(links(outbox)) == set(ADDRESSES)
    test = last_test(partner)
    assert test.raised_by == editor and test.needs_acknowledgement
    assert all(d.token_hash and d.source == EMERGENCY for d in test.deliveries.all())
    assert any("2 addresses" in text for text in flashed(response))
    page = client.get(URL)
    assertContains(page, 'role="status"')
    assert row(page, ADDRESSES[0]) == "Sent, not acknowledged yet"


def test_alert_contacts_are_tested_at_their_account_email_in_production_only(partner, sent):
    admin = admin_of(partner)
    with sent() as outbox:
        send(production(admin), "alert")
    assert [m.to[0] for m in outbox] == [admin.email]
    assert last_test(partner, "alert").deliveries.get().user == admin
    sandbox = signed_in(admin, Environment.SANDBOX)
    assertNotContains(sandbox.get(URL), 'id="category-alert"')
    assert send(sandbox, "alert").status_code == 404


def test_unknown_or_hidden_categories_are_not_found_and_support_hours_have_no_test(partner, admin_user):
    client = production(admin_user)
    page = client.get(URL)
    for category in ["technical_emergency", "technical_non_emergency", "merchant_issues", "operator", "shared"]:
        assertContains(page, f'id="category-{category}"')
    assertNotContains(page, 'id="category-support_hours"')
    assert send(client, "support_hours").status_code == 404
    assert send(client, "nonsense").status_code == 404
    assert not Notification.objects.exists()


def test_a_category_without_address_is_refused_and_nothing_is_sent(partner, admin_user, sent):
    # Only a partner whose contact information is incomplete has an empty category, and the gate keeps its members
    # from this page: the service refuses anyway (a stale page, a save in between).
    Contact.objects.filter(contact_information__partner=partner, category="operator").delete()
    contact_status_refresh(partner=partner)
    with sent() as outbox, pytest.raises(services.TestMessageRefused, match="no address"):
        services.test_message_send(partner=partner, category="operator", sender=admin_user)
    assert outbox == [] and not Notification.objects.exists()


def test_each_email_is_in_its_contacts_language(partner, admin_user, sent):
    Contact.objects.filter(email=ADDRESSES[1]).update(language="es")
    with sent():
        send(production(admin_user))
    languages = dict(OutgoingEmail.objects.values_list("to", "language"))
    assert languages == {ADDRESSES[0]: "en", ADDRESSES[1]: "es"}


# --- Acknowledging ---------------------------------------------------------------------------------------


def test_acknowledging_marks_that_address_acknowledged_at_and_by(partner, editor, sent):
    client = production(editor)
    with sent() as outbox:
        send(client)
    path = links(outbox)[ADDRESSES[0]]
    anonymous = Client()
    page = anonymous.get(path)
    assertContains(page, "This is a test message")
    assert not Delivery.objects.filter(acknowledged_at__isnull=False).exists()  # a GET (a mail scanner) records nothing
    done = anonymous.post(path)
    assertContains(done, "Thank you", status_code=200)
    assertContains(done, 'role="status"')
    delivery = Delivery.objects.get(address=ADDRESSES[0])
    assert delivery.acknowledged_at is not None and delivery.acknowledged_by == ADDRESSES[0]
    page = client.get(URL)
    assert row(page, ADDRESSES[0]).startswith("✓ Acknowledged at ")
    assert row(page, ADDRESSES[0]).endswith("through the link sent to this address")
    assert row(page, ADDRESSES[1]) == "Sent, not acknowledged yet"  # each address answers for itself


def test_a_signed_in_member_is_named_and_a_stranger_never_is(partner, editor, sent):
    client = production(editor)
    with sent() as outbox:
        send(client)
    paths = links(outbox)
    stranger = admin_of(make_partner("Another partner"))
    signed_in(stranger).post(paths[ADDRESSES[1]])
    client.post(paths[ADDRESSES[0]])
    page = client.get(URL)
    assert row(page, ADDRESSES[0]).endswith(f"by Eddie Editor ({editor.email}), signed in")
    assert stranger.email not in page.content.decode()
    assert row(page, ADDRESSES[1]).endswith("through the link sent to this address")


def test_a_failed_email_shows_not_delivered(partner, admin_user, sent):
    client = production(admin_user)
    with sent():
        send(client)
    failed = Delivery.objects.get(address=ADDRESSES[1])
    OutgoingEmail.objects.filter(pk=failed.email_id).update(status=OutgoingEmail.Status.FAILED)
    page = client.get(URL)
    assert row(page, ADDRESSES[1]) == "⚠ Not delivered"
    assert row(page, ADDRESSES[0]) == "Sent, not acknowledged yet"


# --- Limits and isolation --------------------------------------------------------------------------------


def test_a_sixth_test_in_an_hour_is_refused_saying_when_and_allowed_once_the_hour_has_passed(partner, admin_user):
    client = production(admin_user)
    for _n in range(services.TESTS_PER_HOUR):
        send(client)
    assert send(client, "operator").status_code == 302  # another category has its own count
    oldest = Notification.objects.filter(category=EMERGENCY).order_by("created_at").first()
    response = send(client)
    assert Notification.objects.filter(category=EMERGENCY).count() == services.TESTS_PER_HOUR
    text = flashed(response)[-1]  # after the successes, never shown in between
    # As the page writes it (English: "1:17 p.m."), whatever the hour this test runs at.
    when = date_format(timezone.localtime(oldest.created_at + timedelta(hours=1), UTC), "DATETIME_FORMAT")
    assert "5 test messages were sent to this category in the last hour" in text
    assert when in text and "UTC" in text
    assertContains(client.get(URL), "0 tests left this hour.")

    # The clock moves: the tests of an hour ago no longer count.
    Notification.objects.update(created_at=timezone.now() - timedelta(hours=1, seconds=1))
    assert send(client).status_code == 302
    assert Notification.objects.filter(category=EMERGENCY).count() == services.TESTS_PER_HOUR + 1


def test_viewers_are_refused_the_page_and_the_button(partner, sent):
    viewer = production(make_member(partner, Role.VIEWER))
    assert viewer.get(URL).status_code == 403
    with sent() as outbox:
        assert send(viewer).status_code == 403
    assert outbox == [] and not Notification.objects.exists()


def test_another_partners_addresses_and_tests_are_never_reachable(partner, admin_user, sent):
    other = make_partner("Other Co")
    complete_contacts(other, alerts=[admin_of(other)])
    for contact in Contact.objects.filter(contact_information__partner=other):
        Contact.objects.filter(pk=contact.pk).update(email=contact.email.replace("0@acme", "@other"))
    Contact.objects.filter(contact_information__partner=other, category=EMERGENCY).update(email="pager@other.example")
    with sent():
        send(production(admin_user))
    theirs = production(admin_of(other))
    page = theirs.get(URL)
    assertNotContains(page, "acme.example")
    assert row(page, "pager@other.example") == "Not tested yet"
    with sent() as outbox:
        send(theirs)
    assert [m.to[0] for m in outbox] == ["pager@other.example"]
    assert last_test(partner).deliveries.count() == 2  # Acme's test is untouched


def test_tests_never_escalate_nor_count_as_open_emergencies(partner, admin_user, sent):
    with sent():
        send(production(admin_user))
    later = timezone.now() + timedelta(hours=2)
    with sent() as outbox:
        assert services.escalate_due(now=later) == 0
    assert outbox == []
    assert not Notification.objects.unacknowledged().exists()
    assert set(Delivery.objects.values_list("round", flat=True)) == {1}


def test_tests_show_as_tests_in_settings_notifications(partner, admin_user, sent):
    client = production(admin_user)
    with sent():
        send(client)
    page = client.get(reverse("notifications:list"))
    assertContains(page, "Test message: Technical emergency contacts")
    assertContains(page, "nothing was wrong")
    assertContains(client.get(reverse("notifications:list"), {"kind": TEST}), "Test message: Technical emergency")


def test_the_page_in_spanish(partner, admin_user, sent):
    client = production(admin_user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get(URL)
    assert page.status_code == 200
    assert page["Content-Language"] == "es"
    assertContains(page, '<html lang="es"')
    assertContains(page, "Contactos técnicos de emergencia")  # the categories, in Spanish
