"""Settings › Notifications, the disabled-integration banner and the launch message: what a partner's members see."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from accounts.models import OutgoingEmail, User
from contacts.notifications.models import Notification
from contacts.notifications.services import acknowledge, integration_disable, notify
from contacts.routing import NotificationKind
from partners.models import Role
from partners.services import partner_enable
from tests.helpers import admin_of, complete_contacts, make_member, make_partner, signed_in

pytestmark = pytest.mark.django_db

URL = reverse("notifications:list")
BANNER = 'class="disabled-banner" role="alert"'


@pytest.fixture
def partner():
    """A partner with complete contacts; its Admin is the alert contact."""
    partner = make_partner("Acme Bookings")
    complete_contacts(partner, alerts=[admin_of(partner)])
    return partner


@pytest.fixture
def operator(db):
    return User.objects.create_superuser(email="op@portal.example", password="x-Op3rator-pass")


def titles(response):
    """The notification titles of a page, top to bottom."""
    return re.findall(r'<h2 class="notification-title" id="notification-\d+">([^<]*)</h2>', response.content.decode())


def announcements(partner, count, *, prefix="News"):
    for n in range(count):
        notify(partner=partner, kind=NotificationKind.ANNOUNCEMENT, subject=f"{prefix} {n}", label="Release notes")


# --- What the page lists ---------------------------------------------------------------------------


def test_lists_what_was_sent_newest_first_with_recipients_status_and_acknowledgement(partner, operator, sent):
    admin = admin_of(partner)
    with sent():
        notify(partner=partner, kind=NotificationKind.ALERT, subject="Disk almost full", label="Monitoring")
        emergency = integration_disable(partner=partner, operator=operator, reason="Duplicate bookings")
    acknowledge(delivery=emergency.deliveries.get())

    response = signed_in(admin).get(URL)
    assert response.status_code == 200
    assert titles(response) == ["Integration disabled", "Disk almost full"]
    page = response.content.decode()
    assert "Raised by Operator (op@portal.example)" in page  # as Settings › Activity names operators
    assert "Raised by Monitoring" in page
    assertContains(response, "<td>technical_emergency0@acme.example</td>", html=True)
    assertContains(response, f"<td>{admin.email}</td>", html=True)
    assertContains(response, "<td>Technical emergency contacts</td>", html=True)
    assertContains(response, "<td>Alert contact</td>", html=True)
    assertContains(response, '<td class="delivery-status status-sent">Sent</td>', html=True)
    assertContains(response, '<td class="delivery-status status-acknowledged">Acknowledged</td>', html=True)
    assert "Acknowledged by technical_emergency0@acme.example" in page
    assert "Not acknowledged yet" in page  # the alert
    assert "Duplicate bookings" in page  # the reason, under the notification


def test_a_queued_email_says_so(partner):
    notify(partner=partner, kind=NotificationKind.EMERGENCY, subject="Bookings fail")  # never committed: not sent
    response = signed_in(admin_of(partner)).get(URL)
    assertContains(response, '<td class="delivery-status status-queued">Queued</td>', html=True)


def test_a_failed_delivery_stands_out_in_words_not_only_colour(partner):
    notification = notify(partner=partner, kind=NotificationKind.EMERGENCY, subject="Bookings fail")
    OutgoingEmail.objects.filter(delivery__notification=notification).update(status=OutgoingEmail.Status.FAILED)
    response = signed_in(make_member(partner, Role.VIEWER)).get(URL)
    assertContains(response, "Not delivered:")
    assertContains(response, '<strong><span aria-hidden="true">⚠ </span>Failed</strong>', html=True)
    assertContains(response, '<tr class="is-failed">')


def test_an_email_being_retried_is_not_delivered_yet(partner):
    notification = notify(partner=partner, kind=NotificationKind.EMERGENCY, subject="Bookings fail")
    OutgoingEmail.objects.filter(delivery__notification=notification).update(attempts=2)
    response = signed_in(admin_of(partner)).get(URL)
    assertContains(response, "Not delivered yet (retrying)")
    assertNotContains(response, "Not delivered:")  # not failed: the outbox tries again


def test_nobody_reached_says_the_operators_were_told(partner, settings):
    settings.OPERATIONS_EMAIL = "operators@portal.example"
    notify(partner=partner, kind=NotificationKind.PRODUCT_UPDATE, subject="New API")  # nobody subscribed
    response = signed_in(admin_of(partner)).get(URL)
    assertContains(response, "Our operators were told instead")
    assertContains(response, "<td>Our operators</td>", html=True)


def test_what_the_partner_and_operators_typed_is_escaped(partner):
    notify(partner=partner, kind=NotificationKind.ANNOUNCEMENT, subject="<b>bold</b>", body="<script>x()</script>")
    response = signed_in(admin_of(partner)).get(URL)
    assertContains(response, escape("<b>bold</b>"))
    assertContains(response, escape("<script>x()</script>"))
    assertNotContains(response, "<script>x()")


def test_an_empty_page_says_nothing_was_sent(partner):
    assertContains(signed_in(admin_of(partner)).get(URL), "Nothing has been sent to this account yet.")


def test_the_settings_navigation_links_to_it(partner):
    response = signed_in(admin_of(partner)).get(URL)
    assertContains(response, f'<a href="{URL}" aria-current="page">Notifications</a>', html=True)


# --- Filter and pages -----------------------------------------------------------------------------


def test_the_kind_filter_works_without_javascript_and_keeps_across_pages(partner):
    announcements(partner, 25)
    notify(partner=partner, kind=NotificationKind.EMERGENCY, subject="Bookings fail")
    client = signed_in(admin_of(partner))

    first = client.get(URL, {"kind": "announcement"})
    assert titles(first) == [f"News {n}" for n in range(24, 4, -1)]  # newest first, 20 a page
    assertContains(first, '<option value="announcement" selected>Announcement</option>', html=True)
    assertContains(first, "Page 1 of 2")
    older = re.search(r'<a href="([^"]+)">Older</a>', first.content.decode()).group(1)
    assert older == "?kind=announcement&amp;page=2"

    second = client.get(URL, {"kind": "announcement", "page": "2"})
    assert titles(second) == [f"News {n}" for n in range(4, -1, -1)]
    assert re.search(r'<a href="\?kind=announcement&amp;page=1">Newer</a>', second.content.decode())

    only = client.get(URL, {"kind": "emergency"})
    assert titles(only) == ["Bookings fail"]
    assertNotContains(only, 'class="pagination"')


def test_an_unknown_kind_or_page_shows_everything_not_an_error(partner):
    announcements(partner, 2)
    client = signed_in(admin_of(partner))
    assert titles(client.get(URL, {"kind": "<nope>"})) == ["News 1", "News 0"]
    assert titles(client.get(URL, {"page": "999"})) == ["News 1", "News 0"]  # the last page
    assert titles(client.get(URL, {"page": "x"})) == ["News 1", "News 0"]


def test_a_kind_with_nothing_sent_says_so(partner):
    announcements(partner, 1)
    response = signed_in(admin_of(partner)).get(URL, {"kind": "alert"})
    assertContains(response, "Nothing of this kind has been sent to this account.")


def queries_for_page(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_the_number_of_queries_is_the_same_for_3_or_30_notifications_and_their_deliveries(db):
    few, many = make_partner(), make_partner()
    for partner, count in [(few, 3), (many, 30)]:
        complete_contacts(partner, alerts=[admin_of(partner)], per_category=3)
        for n in range(count):
            notify(partner=partner, kind=NotificationKind.EMERGENCY, subject=f"Emergency {n}")  # 3 deliveries each
    many_client = signed_in(admin_of(many))
    queries_for_page(many_client)  # warm the session
    few_client = signed_in(admin_of(few))
    queries_for_page(few_client)
    assert queries_for_page(many_client) == queries_for_page(few_client)
    assert queries_for_page(many_client) <= 8  # session, user, membership, count, notifications, deliveries…


# --- Who may read it ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR, Role.ADMIN])
def test_every_member_may_read_it(partner, role):
    notify(partner=partner, kind=NotificationKind.EMERGENCY, subject="Bookings fail")
    response = signed_in(make_member(partner, role)).get(URL)
    assert titles(response) == ["Bookings fail"]


def test_no_partner_sees_anothers_notifications(partner):
    other = make_partner("Other Co")
    complete_contacts(other, alerts=[admin_of(other)])
    notify(partner=other, kind=NotificationKind.EMERGENCY, subject="Secret of Other Co")
    notify(partner=partner, kind=NotificationKind.EMERGENCY, subject="Ours")
    response = signed_in(admin_of(partner)).get(URL)
    assert titles(response) == ["Ours"]
    assertNotContains(response, "Secret of Other Co")


def test_a_member_of_two_partners_sees_the_current_ones_only(partner):
    other = make_partner("Other Co")
    complete_contacts(other, alerts=[admin_of(other)])
    both = make_member(partner, Role.VIEWER)
    from partners.models import Membership

    Membership.objects.create(user=both, partner=other, role=Role.VIEWER)
    notify(partner=other, kind=NotificationKind.EMERGENCY, subject="For Other Co")
    notify(partner=partner, kind=NotificationKind.EMERGENCY, subject="For Acme")
    client = signed_in(both)
    assert titles(client.get(URL)) == ["For Acme"]  # Acme Bookings sorts first: the current partner
    client.post(reverse("portal:switch_partner"), {"partner": other.pk})
    assert titles(client.get(URL)) == ["For Other Co"]


def test_staff_without_a_membership_and_visitors_signed_out_are_turned_away(partner, operator, client):
    notify(partner=partner, kind=NotificationKind.EMERGENCY, subject="Bookings fail")
    refused = signed_in(operator).get(URL)
    assert refused.status_code == 403
    assertNotContains(refused, "Bookings fail", status_code=403)
    assertRedirects(client.get(URL), f"{reverse('login')}?next={URL}")


def test_the_gate_holds_it_like_other_settings_pages(db):
    partner = make_partner("Still onboarding")  # no contact information
    response = signed_in(admin_of(partner)).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("contacts:onboarding"))


def test_it_is_read_only(partner):
    assert signed_in(admin_of(partner)).post(URL).status_code == 405


# --- The banner while the integration is disabled --------------------------------------------------


PAGES = ["portal:dashboard", "notifications:list", "portal:activity", "portal:users", "contacts:edit", "portal:help"]


def test_every_portal_page_shows_the_banner_while_disabled(partner, operator, settings):
    settings.OPERATIONS_EMAIL = "operators@portal.example"
    integration_disable(partner=partner, operator=operator, reason="Duplicate <bookings>")
    client = signed_in(make_member(partner, Role.VIEWER))
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assertContains(response, BANNER, count=1)
        page = response.content.decode()
        assert "Your integration has been disabled since" in page, name
        assert escape("Duplicate <bookings>") in page, name
        assert '<a href="mailto:operators@portal.example">operators@portal.example</a>' in page, name


def test_the_banner_is_for_the_disabled_partner_only_and_goes_when_enabled(partner, operator):
    other = make_partner("Other Co")
    complete_contacts(other, alerts=[admin_of(other)])
    integration_disable(partner=partner, operator=operator, reason="Duplicate bookings")
    assertNotContains(signed_in(admin_of(other)).get(reverse("portal:dashboard")), BANNER)

    partner_enable(partner=partner, operator=operator)
    assertNotContains(signed_in(admin_of(partner)).get(reverse("portal:dashboard")), BANNER)


def test_the_banner_costs_no_query(partner, operator):
    client = signed_in(admin_of(partner))
    client.get(reverse("portal:dashboard"))  # the first request of a session costs more
    with CaptureQueriesContext(connection) as enabled:
        client.get(reverse("portal:dashboard"))
    integration_disable(partner=partner, operator=operator, reason="Duplicate bookings")
    with CaptureQueriesContext(connection) as disabled:
        assertContains(client.get(reverse("portal:dashboard")), BANNER)
    assert len(disabled) == len(enabled)


def test_signed_out_pages_read_no_membership_for_the_banner(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        assertNotContains(client.get(reverse("portal:help")), BANNER)


def test_a_disabled_partner_that_never_launched_is_not_offered_launch(partner, operator):
    integration_disable(partner=partner, operator=operator, reason="Fraud suspected")
    response = signed_in(admin_of(partner)).get(reverse("portal:dashboard"))
    assertNotContains(response, 'action="/launch/"')
    assertContains(response, "it can be launched once they enable it again")


# --- Launch: the message is true --------------------------------------------------------------------


def test_after_launch_alerts_really_reach_the_alert_contacts(partner, sent):
    admin = admin_of(partner)
    client = signed_in(admin)
    response = client.post(reverse("portal:launch"), {"confirmed": "1"}, follow=True)
    assertContains(response, "Production alerts are emailed to your alert contacts")
    assertContains(response, f'<a href="{URL}">Settings › Notifications</a>', html=True)
    with sent() as outbox:
        notify(partner=partner, kind=NotificationKind.ALERT, subject="Error rate above 5%", label="Monitoring")
    assert [m.to for m in outbox] == [[admin.email]]
    assert titles(client.get(URL)) == ["Error rate above 5%"]
    assert Notification.objects.get().partner == partner
