"""The operators' view of notifications in the Django admin: each action end to end, filters, order, reach sheet."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import OutgoingEmail, User
from contacts.models import Contact
from contacts.notifications.models import Broadcast, Delivery, Notification
from contacts.notifications.services import notify
from contacts.routing import NotificationKind
from partners.models import Partner
from tests.helpers import (
    admin_of,
    complete_contacts,
    html_element,
    html_elements,
    make_partner,
    posted_values,
    signed_in,
)

pytestmark = pytest.mark.django_db

PARTNERS = reverse("admin:partners_partner_changelist")
NOTIFICATIONS = reverse("admin:notifications_notification_changelist")
DELIVERIES = reverse("admin:notifications_delivery_changelist")
EMAILS = reverse("admin:accounts_outgoingemail_changelist")


@pytest.fixture
def partner():
    """Acme, with every category filled in: technical_emergency0@acme.example is its emergency contact."""
    partner = make_partner("Acme", integration="reservations")
    complete_contacts(partner, alerts=[admin_of(partner)])
    return partner


@pytest.fixture
def operator():
    return User.objects.create_superuser(email="ops@portal.example", password="x")


@pytest.fixture
def operator_client(operator):
    return signed_in(operator)


def start(client, action, partners):
    """What "Go" on the partner list posts: an action and the ticked partners."""
    data = {"action": action, "_selected_action": [p.pk for p in partners], "index": "0"}
    return client.post(PARTNERS, data)


def said(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def failed_delivery(partner, kind=NotificationKind.EMERGENCY):
    """A notification (an emergency, unless told) whose one email failed for good."""
    notification = notify(partner=partner, kind=kind, subject="Down", body="b")
    delivery = notification.deliveries.get()
    OutgoingEmail.objects.filter(pk=delivery.email_id).update(status=OutgoingEmail.Status.FAILED, attempts=5)
    return delivery


# --- Disable the integration… ------------------------------------------------------------------------------


def test_the_disable_page_asks_why_and_shows_who_will_be_told(operator_client, partner):
    page = start(operator_client, "disable_integration", [partner])
    assert page.status_code == 200
    html = page.content.decode()
    assert "technical_emergency0@acme.example" in html
    html_element(html, "textarea", name="reason")
    assert "Disable and notify" in str(html_element(html, "button", type="submit", **{"class": "button default"}))
    # The contract the browser test relies on: exactly these fields travel back with the reason.
    assert set(posted_values(page, "data-disable-integration-form")) == {
        "csrfmiddlewaretoken",
        "_selected_action",
        "action",
        "post",
        "idempotency_key",
    }
    posted = posted_values(page, "data-disable-integration-form")
    assert (posted["action"], posted["post"], posted["_selected_action"]) == (
        "disable_integration",
        "yes",
        str(partner.pk),
    )
    assert len(posted["idempotency_key"]) >= 16


def test_disabling_records_why_who_and_when_and_emails_the_emergency_contacts(operator_client, operator, partner, sent):
    posted = posted_values(start(operator_client, "disable_integration", [partner]), "data-disable-integration-form")
    with sent() as outbox:
        response = operator_client.post(PARTNERS, {**posted, "reason": "Duplicate bookings since 10:00"})
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.is_disabled
    assert (partner.disabled_reason, partner.disabled_by) == ("Duplicate bookings since 10:00", operator)
    assert timezone.now() - partner.disabled_at < timedelta(minutes=1)
    assert [m.to for m in outbox] == [["technical_emergency0@acme.example"]]
    assert "Duplicate bookings since 10:00" in outbox[0].body
    notification = Notification.objects.get()
    assert (notification.kind, notification.event, notification.raised_by) == (
        "emergency",
        "integration_disabled",
        operator,
    )


def test_a_double_submit_of_the_disable_form_is_one_emergency(operator_client, partner, sent):
    posted = posted_values(start(operator_client, "disable_integration", [partner]), "data-disable-integration-form")
    with sent() as outbox:
        operator_client.post(PARTNERS, {**posted, "reason": "Broken"})
        second = operator_client.post(PARTNERS, {**posted, "reason": "Broken"})
    assert Notification.objects.count() == 1
    assert len(outbox) == 1
    assert any("Already sent by this form" in message for message in said(second))


def test_disabling_several_partners_skips_those_already_disabled(operator_client, operator, partner, sent):
    other = make_partner("Beta")
    complete_contacts(other)
    already = make_partner("Gamma")
    complete_contacts(already)
    Partner.objects.filter(pk=already.pk).update(status=Partner.Status.DISABLED, disabled_reason="Earlier")
    page = start(operator_client, "disable_integration", [partner, other, already])
    assert "Already disabled: skipped" in page.content.decode()
    posted = posted_values(page, "data-disable-integration-form")
    with sent() as outbox:
        response = operator_client.post(PARTNERS, {**posted, "reason": "Incident 42"})
    assert Notification.objects.filter(partner__in=[partner, other]).count() == 2
    assert not Notification.objects.filter(partner=already).exists()
    assert len(outbox) == 2
    assert Partner.objects.get(pk=already.pk).disabled_reason == "Earlier"
    assert any("Gamma is already disabled" in message for message in said(response))


def test_the_reason_is_required_and_the_key_survives_the_error(operator_client, partner):
    posted = posted_values(start(operator_client, "disable_integration", [partner]), "data-disable-integration-form")
    response = operator_client.post(PARTNERS, {**posted, "reason": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert posted_values(response, "data-disable-integration-form")["idempotency_key"] == posted["idempotency_key"]
    assert not Partner.objects.get(pk=partner.pk).is_disabled


def test_the_preview_warns_when_nobody_can_be_reached(operator_client, settings):
    settings.OPERATIONS_EMAIL = "noc@portal.example"
    lonely = make_partner("Lonely")  # no contacts at all
    html = start(operator_client, "disable_integration", [lonely]).content.decode()
    assert "Nobody at this partner can be reached" in html
    assert "noc@portal.example" in html


def test_enabling_the_integration_again(operator_client, operator, partner):
    from partners.services import partner_disable

    partner_disable(partner=partner, operator=operator, reason="Broken")
    response = start(operator_client, "enable_integration", [partner])
    assert response.status_code == 302
    partner.refresh_from_db()
    assert (partner.status, partner.disabled_reason, partner.disabled_at) == (Partner.Status.ONBOARDING, "", None)


def test_the_change_form_does_not_disable_behind_the_actions_back(operator_client, partner):
    data = {
        "name": partner.name,
        "integration": partner.integration,
        "phone_region": "US",
        "language": "en",
        "status": Partner.Status.DISABLED,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    response = operator_client.post(reverse("admin:partners_partner_change", args=[partner.pk]), data)
    assert response.status_code == 200
    assert "Disable or enable the integration with the actions" in response.content.decode()
    assert not Partner.objects.get(pk=partner.pk).is_disabled


def test_the_change_page_shows_why_who_and_the_reach_sheet(operator_client, operator, partner):
    from partners.services import partner_disable

    partner_disable(partner=partner, operator=operator, reason="Double charges")
    html = operator_client.get(reverse("admin:partners_partner_change", args=[partner.pk])).content.decode()
    assert "Double charges" in html and "ops@portal.example" in html
    assert reverse("admin:partners_partner_reach_sheet", args=[partner.pk]) in html
    listed = operator_client.get(PARTNERS, {"status": "disabled"}).context["cl"]
    assert list(listed.result_list) == [partner]


# --- Send a notification… ------------------------------------------------------------------------------------


def compose(client, partners, **fields):
    """The send form, filled in: kind, environment, subject, body and the key the page made."""
    page = start(client, "send_notification", partners)
    key = dict(html_element(page.content.decode(), "input", name="idempotency_key").attributes)["value"]
    data = {"action": "send_notification", "_selected_action": [p.pk for p in partners], "idempotency_key": key}
    return {
        **data,
        "kind": "emergency",
        "environment": "production",
        "subject": "Bookings fail",
        "body": "Since 10:00",
        **fields,
    }


def test_sending_previews_the_recipients_of_each_partner_then_sends_once(operator_client, operator, partner, sent):
    other = make_partner("Beta", integration="appointments")
    complete_contacts(other)
    Contact.objects.filter(contact_information__partner=other, category="technical_emergency").update(
        email="pager@beta.example"
    )
    data = compose(operator_client, [partner, other])
    preview = operator_client.post(PARTNERS, data)
    html = preview.content.decode()
    assert "technical_emergency0@acme.example" in html and "pager@beta.example" in html
    assert "Send" in html and not Notification.objects.exists()
    with sent() as outbox:
        operator_client.post(PARTNERS, {**data, "post": "yes"})
        operator_client.post(PARTNERS, {**data, "post": "yes"})  # the double submit
    assert Notification.objects.count() == 2
    assert sorted(m.to[0] for m in outbox) == ["pager@beta.example", "technical_emergency0@acme.example"]
    assert set(Notification.objects.values_list("raised_by", flat=True)) == {operator.pk}


def test_an_alert_about_sandbox_is_refused_with_a_form_error(operator_client, partner):
    data = compose(operator_client, [partner], kind="alert", environment="sandbox")
    for step in ({}, {"post": "yes"}):
        response = operator_client.post(PARTNERS, {**data, **step})
        assert response.status_code == 200
        assert "Alerts are sent only about Production" in str(response.context["form"].errors["environment"])
    assert not Notification.objects.exists()


def test_a_merchant_issue_nobody_can_receive_tells_the_operators(operator_client, settings, sent):
    settings.OPERATIONS_EMAIL = "noc@portal.example"
    appointments = make_partner("Clinic", integration="appointments")  # no merchant-issues contact needed
    complete_contacts(appointments)
    data = compose(operator_client, [appointments], kind="merchant_issue")
    assert "Nobody at this partner can be reached" in operator_client.post(PARTNERS, data).content.decode()
    with sent() as outbox:
        response = operator_client.post(PARTNERS, {**data, "post": "yes"})
    notification = Notification.objects.get()
    assert notification.nobody_reached
    assert [m.to for m in outbox] == [["noc@portal.example"]]
    assert any("Nobody at Clinic could be told" in message for message in said(response))


def test_changing_the_message_after_the_preview_keeps_the_key(operator_client, partner):
    data = compose(operator_client, [partner])
    response = operator_client.post(PARTNERS, {**data, "_change": "1", "post": "yes"})
    assert not Notification.objects.exists()
    assert response.context["preview"] is None
    assert response.context["form"]["idempotency_key"].value() == data["idempotency_key"]


# --- Announce to all partners… -----------------------------------------------------------------------------


def test_an_announcement_previews_how_many_partners_then_fans_out_once(operator_client, operator, partner, sent):
    make_partner("Beta", integration="reservations")
    make_partner("Clinic", integration="appointments")
    add = reverse("admin:notifications_broadcast_add")
    assert add in operator_client.get(PARTNERS).content.decode()
    page = operator_client.get(add)
    key = dict(html_element(page.content.decode(), "input", name="idempotency_key").attributes)["value"]
    data = {
        "kind": "announcement",
        "integration": "reservations",
        "subject": "API v2",
        "body": "Soon",
        "idempotency_key": key,
    }
    preview = operator_client.post(add, data)
    assert preview.context["partner_count"] == 2
    assert "This announcement goes to 2 partners." in preview.content.decode()
    with sent() as outbox:
        response = operator_client.post(add, {**data, "post": "yes"})
        operator_client.post(add, {**data, "post": "yes"})
    broadcast = Broadcast.objects.get()
    assert response.url == reverse("admin:notifications_broadcast_change", args=[broadcast.pk])
    assert (broadcast.partners_done, broadcast.raised_by) == (2, operator)
    assert broadcast.finished_at is not None
    assert set(broadcast.notifications.values_list("partner__name", flat=True)) == {"Acme", "Beta"}
    assert "technical_non_emergency0@acme.example" in [m.to[0] for m in outbox]


# --- Notifications and deliveries -----------------------------------------------------------------------------


def test_unacknowledged_emergencies_come_first_then_the_newest(operator_client, partner):
    now = timezone.now()
    made = {}
    for name, kind, age, acknowledged in [
        ("old open emergency", "emergency", 5, False),
        ("new announcement", "announcement", 1, False),
        ("acknowledged emergency", "emergency", 2, True),
        ("open alert", "alert", 3, False),
    ]:
        made[name] = notify(partner=partner, kind=kind, subject=name, body="b")
        Notification.objects.filter(pk=made[name].pk).update(
            created_at=now - timedelta(hours=age), acknowledged_at=now if acknowledged else None
        )
    listed = [n.subject for n in operator_client.get(NOTIFICATIONS).context["cl"].result_list]
    assert listed == ["old open emergency", "new announcement", "acknowledged emergency", "open alert"]


@pytest.fixture
def mixed(partner, settings):
    """An acknowledged emergency about Acme, an open alert about Acme, a sandbox announcement about Beta."""
    other = make_partner("Beta")
    complete_contacts(other)
    Contact.objects.filter(contact_information__partner=other, category="technical_non_emergency").update(
        email="dev@beta.example"
    )
    emergency = notify(partner=partner, kind="emergency", subject="Emergency", body="b")
    Notification.objects.filter(pk=emergency.pk).update(acknowledged_at=timezone.now())
    alert = notify(partner=partner, kind="alert", subject="Alert", body="b")
    announcement = notify(partner=other, kind="announcement", subject="Hello", body="b", environment="sandbox")
    return {"emergency": emergency, "alert": alert, "announcement": announcement, "other": other}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "alert"}, ["alert"]),
        ({"acknowledged": "yes"}, ["emergency"]),
        ({"acknowledged": "no"}, ["alert"]),  # announcements ask for no acknowledgement
        ({"environment": "sandbox"}, ["announcement"]),
        ({"q": "dev@beta.example"}, ["announcement"]),  # a delivery's address
        ({"q": "Acme"}, ["alert", "emergency"]),
        ({"q": "Hello"}, ["announcement"]),
    ],
)
def test_notifications_can_be_filtered_and_searched(operator_client, mixed, query, expected):
    rows = operator_client.get(NOTIFICATIONS, query).context["cl"].result_list
    assert sorted(name for name in mixed if mixed.get(name) in rows) == expected


def test_notifications_can_be_filtered_by_partner(operator_client, mixed):
    rows = operator_client.get(NOTIFICATIONS, {"partner__id__exact": mixed["other"].pk}).context["cl"].result_list
    assert list(rows) == [mixed["announcement"]]


def test_the_notification_list_counts_deliveries_and_links_the_reach_sheet(operator_client, partner, mixed, sent):
    with sent():
        notify(partner=partner, kind="emergency", subject="Sent one", body="b")
    Delivery.objects.filter(notification=mixed["emergency"]).update(acknowledged_at=timezone.now())
    html = operator_client.get(NOTIFICATIONS).content.decode()
    counts = [str(cell) for cell in html_elements(html, "td", class_="field-deliveries_summary")]
    assert any("1 Sent" in cell for cell in counts)
    assert any("1 Acknowledged" in cell for cell in counts)
    assert any("1 Queued" in cell for cell in counts)
    assert reverse("admin:partners_partner_reach_sheet", args=[partner.pk]) in html


def test_the_notification_list_costs_the_same_queries_for_many_notifications(operator_client, partner):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert operator_client.get(NOTIFICATIONS).status_code == 200
        return len(captured)

    notify(partner=partner, kind="emergency", subject="one", body="b")
    few = queries()
    for n in range(5):
        other = make_partner(f"Partner {n}")
        complete_contacts(other, per_category=2)
        notify(partner=other, kind="announcement", subject=f"n{n}", body="b")
    assert queries() == few


def test_notifications_are_read_only(operator_client, mixed):
    assert operator_client.get(reverse("admin:notifications_notification_add")).status_code == 403
    change = operator_client.get(reverse("admin:notifications_notification_change", args=[mixed["alert"].pk]))
    assert change.status_code == 200
    assert "technical_emergency0@acme.example" not in change.content.decode()  # an alert goes to alert contacts
    assert not change.context["has_change_permission"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"notification__kind": "announcement"}, ["dev@beta.example"]),
        ({"email__status": "failed"}, ["technical_emergency0@acme.example"]),
        ({"acknowledged": "yes"}, ["alert"]),
        ({"q": "Beta"}, ["dev@beta.example"]),
        ({"q": "technical_emergency0"}, ["technical_emergency0@acme.example"]),
    ],
)
def test_deliveries_can_be_filtered_and_searched(operator_client, mixed, query, expected):
    failed = Delivery.objects.get(notification=mixed["emergency"])
    OutgoingEmail.objects.filter(pk=failed.email_id).update(status=OutgoingEmail.Status.FAILED)
    Delivery.objects.filter(notification=mixed["alert"]).update(acknowledged_at=timezone.now())
    rows = operator_client.get(DELIVERIES, query).context["cl"].result_list
    found = ["alert" if row.notification_id == mixed["alert"].pk else row.address for row in rows]
    assert sorted(set(found)) == expected


def test_retrying_failed_deliveries_sends_them_again_and_says_how_many(operator_client, partner, sent):
    delivery = failed_delivery(partner)
    fine = notify(partner=partner, kind="announcement", subject="Hello", body="b").deliveries.first()
    with sent() as outbox:
        response = operator_client.post(
            DELIVERIES, {"action": "retry_failed", "_selected_action": [delivery.pk, fine.pk], "index": "0"}
        )
    assert OutgoingEmail.objects.get(pk=delivery.email_id).status == OutgoingEmail.Status.SENT
    assert [m.to for m in outbox] == [["technical_emergency0@acme.example"]]
    assert said(response) == [
        "1 email is queued again.",
        "1 email was not retried: only failed emails are, and not those that carried a one-time link.",
    ]


# --- The outbox and users ---------------------------------------------------------------------------------------


def test_the_outbox_is_searchable_and_retries_failed_emails(operator_client, partner, sent):
    delivery = failed_delivery(partner, NotificationKind.ANNOUNCEMENT)
    found = operator_client.get(EMAILS, {"q": "technical_non_emergency0", "status": "failed"}).context["cl"]
    assert list(found.result_list) == [delivery.email]
    assert operator_client.get(EMAILS, {"status": "sent"}).context["cl"].result_count == 0
    with sent() as outbox:
        operator_client.post(EMAILS, {"action": "retry", "_selected_action": [delivery.email_id], "index": "0"})
    assert len(outbox) == 1
    assert operator_client.get(reverse("admin:accounts_outgoingemail_add")).status_code == 403


def test_the_outbox_never_shows_a_one_time_link(operator_client):
    from accounts.outbox import email_queue

    email = email_queue(
        to="new@x.example", subject="Join", body="https://portal/accept/SECRET", language="en", one_time_link=True
    )
    html = operator_client.get(reverse("admin:accounts_outgoingemail_change", args=[email.pk])).content.decode()
    assert "SECRET" not in html
    assert "hidden: it carries a one-time link" in html


def test_the_user_page_shows_the_language_of_their_emails(operator_client, operator):
    response = operator_client.get(reverse("admin:accounts_user_change", args=[operator.pk]))
    assert "language" in response.context["adminform"].form.fields


# --- The reach sheet ---------------------------------------------------------------------------------------


def test_the_reach_sheet_lists_phones_local_time_and_admins(operator_client, partner):
    Contact.objects.filter(contact_information__partner=partner, category="technical_emergency").update(
        name="Night pager", phone="+34612345678"
    )
    madrid = [f"{timezone.now().astimezone(ZoneInfo('Europe/Madrid')):%H:%M}"]
    response = operator_client.get(reverse("admin:partners_partner_reach_sheet", args=[partner.pk]))
    madrid.append(f"{timezone.now().astimezone(ZoneInfo('Europe/Madrid')):%H:%M}")
    html = response.content.decode()
    link = html_element(html, "a", href="tel:+34612345678")
    assert "+34 612 34 56 78" in str(link)
    assert "Night pager" in html
    assert "operator0@acme.example" in html  # the operator-only contact
    assert "technical_non_emergency0@acme.example" not in html
    assert any(f"{now} (Europe/Madrid)" in html for now in madrid)
    assert admin_of(partner).email in html


def test_the_reach_sheet_works_without_email_or_worker(operator_client, partner, settings):
    settings.MAILERS = {"default": {"BACKEND": "no.such.Backend"}}
    settings.TASKS = {"default": {"BACKEND": "no.such.Backend"}}
    response = operator_client.get(reverse("admin:partners_partner_reach_sheet", args=[partner.pk]))
    assert response.status_code == 200


def test_the_reach_sheet_is_for_staff_only(partner):
    url = reverse("admin:partners_partner_reach_sheet", args=[partner.pk])
    member = signed_in(admin_of(partner))
    response = member.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    staff = User.objects.create_user(email="staff@portal.example", password="x", is_staff=True)
    assert signed_in(staff).get(url).status_code == 403
