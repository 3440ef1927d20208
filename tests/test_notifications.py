"""Raising notifications: deliveries per recipient in their language, idempotency, acknowledgement, escalation."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import OutgoingEmail
from contacts.models import Contact
from contacts.notifications.models import Delivery, Notification
from contacts.notifications.services import (
    AcknowledgementError,
    acknowledge,
    delivery_for_token,
    escalate_due,
    integration_disable,
    notify,
)
from contacts.routing import NotificationKind, RoutingError
from contacts.services import contact_status_refresh
from partners.environments import Environment
from partners.models import Activity, Partner, Role
from tests.helpers import admin_of, complete_contacts, make_member, make_partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner():
    partner = make_partner("Acme", integration="reservations")
    complete_contacts(partner, alerts=[admin_of(partner)])
    return partner


@pytest.fixture
def operator(db):
    from accounts.models import User

    return User.objects.create_superuser(email="ops@portal.example", password="x")


def link_in(body):
    [line] = [line for line in body.splitlines() if "/acknowledge/" in line]
    return line.strip()


def token_of(body):
    return link_in(body).rstrip("/").rsplit("/", 1)[1]


def test_an_emergency_is_emailed_to_each_technical_emergency_contact(partner, sent):
    with sent() as outbox:
        notification = notify(partner=partner, kind="emergency", subject="Bookings fail", body="Since 10:00 <UTC>")
    assert [m.to for m in outbox] == [["technical_emergency0@acme.example"]]
    assert outbox[0].subject == "Emergency for Acme: Bookings fail"
    assert "Since 10:00 <UTC>" in outbox[0].body  # plain text: never HTML-escaped
    delivery = notification.deliveries.get()
    assert (delivery.address, delivery.source, delivery.email.status) == (
        "technical_emergency0@acme.example",
        "technical_emergency",
        "sent",
    )


def test_the_email_is_written_in_the_recipients_language(partner, sent):
    partner.language = "es"
    partner.save()
    admin = admin_of(partner)
    with sent() as outbox:
        integration_disable(partner=partner, operator=admin, reason="Reservas duplicadas")
    [email] = outbox
    assert email.subject == "Emergencia: se ha inhabilitado la integración de Acme"
    assert "Reservas duplicadas" in email.body
    assert "Motivo:" in email.body
    assert OutgoingEmail.objects.get().language == "es"


def test_alert_contacts_read_alerts_in_the_language_they_chose(partner, sent):
    admin = admin_of(partner)
    admin.language = "es"
    admin.save()
    with sent() as outbox:
        notify(partner=partner, kind="alert", subject="Latencia alta", body="p99 > 2 s")
    assert outbox[0].to == [admin.email]
    assert outbox[0].subject.startswith("Alerta de producción para Acme")


def test_an_alert_about_sandbox_is_refused_and_nothing_is_kept(partner):
    with pytest.raises(RoutingError):
        notify(partner=partner, kind="alert", subject="x", environment=Environment.SANDBOX)
    assert not Notification.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_the_same_idempotency_key_creates_one_notification(partner, sent):
    with sent() as outbox:
        first = notify(partner=partner, kind="emergency", subject="Down", idempotency_key="k-1")
        second = notify(partner=partner, kind="emergency", subject="Down", idempotency_key="k-1")
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert len(outbox) == 1


def test_a_merchant_issue_nobody_can_receive_tells_the_operators(settings, sent):
    settings.OPERATIONS_EMAIL = "ops-team@portal.example"
    partner = make_partner("NoMerchant", integration="appointments")
    complete_contacts(partner)
    with sent() as outbox:
        notification = notify(partner=partner, kind="merchant_issue", subject="Merchant asks to be removed")
    assert notification.nobody_reached
    assert [m.to for m in outbox] == [["ops-team@portal.example"]]
    assert "Nobody at NoMerchant could be told" in outbox[0].subject


def test_a_notification_with_ten_contacts_a_category_is_one_delivery_each(partner, sent):
    info = partner.contact_information
    Contact.objects.bulk_create(
        Contact(contact_information=info, category="technical_non_emergency", email=f"dev{i}@acme.example")
        for i in range(9)
    )
    with sent() as outbox:
        notification = notify(partner=partner, kind="announcement", subject="API v2", body="Migrate by May")
    assert notification.deliveries.count() == 10
    assert len(outbox) == 10
    assert not any("/acknowledge/" in m.body for m in outbox)  # only alerts and emergencies ask for one


def test_only_the_hash_of_the_acknowledgement_token_is_kept(partner, sent):
    with sent() as outbox:
        notification = notify(partner=partner, kind="emergency", subject="Down")
    token = token_of(outbox[0].body)
    delivery = notification.deliveries.get()
    assert token not in (delivery.token_hash or "")
    assert len(delivery.token_hash) == 64
    assert delivery_for_token(token) == delivery
    assert delivery.token_expires_at - timezone.now() > timedelta(days=6, hours=23)


def test_the_first_acknowledgement_is_recorded_with_who_and_when(partner, sent):
    Contact.objects.create(
        contact_information=partner.contact_information, category="technical_emergency", email="pager@acme.example"
    )
    with sent() as outbox:
        notification = notify(partner=partner, kind="emergency", subject="Down")
    first, second = (delivery_for_token(token_of(m.body)) for m in outbox)
    assert acknowledge(delivery=second) is True
    assert acknowledge(delivery=first) is False
    notification.refresh_from_db()
    assert notification.acknowledged_by == second.address
    assert notification.acknowledged_at is not None
    assert Delivery.objects.filter(acknowledged_at__isnull=False).count() == 2


def test_an_expired_link_acknowledges_nothing(partner, sent):
    with sent() as outbox:
        notification = notify(partner=partner, kind="emergency", subject="Down")
    delivery = delivery_for_token(token_of(outbox[0].body))
    Delivery.objects.filter(pk=delivery.pk).update(token_expires_at=timezone.now() - timedelta(seconds=1))
    delivery.refresh_from_db()
    with pytest.raises(AcknowledgementError):
        acknowledge(delivery=delivery)
    notification.refresh_from_db()
    assert notification.acknowledged_at is None


def test_only_the_post_on_the_acknowledgement_page_records_it(partner, sent, client):
    with sent() as outbox:
        notification = notify(partner=partner, kind="emergency", subject="Down")
    path = reverse("notifications:acknowledge", kwargs={"token": token_of(outbox[0].body)})
    assert client.get(path).status_code == 200  # a mail scanner fetching the link
    notification.refresh_from_db()
    assert notification.acknowledged_at is None
    assert client.post(path).status_code == 200
    notification.refresh_from_db()
    assert notification.acknowledged_by == "technical_emergency0@acme.example"


def test_an_unacknowledged_emergency_is_sent_again_after_30_minutes_to_the_admins_too(partner, sent):
    second_admin = make_member(partner, Role.ADMIN, email="boss@acme.example")
    with sent():
        notification = notify(partner=partner, kind="emergency", subject="Down")
    assert escalate_due() == 0  # too early
    later = timezone.now() + timedelta(minutes=31)
    with sent() as outbox:
        assert escalate_due(now=later) == 1
        assert escalate_due(now=later) == 0  # once only
    assert sorted(m.to[0] for m in outbox) == sorted(
        ["technical_emergency0@acme.example", admin_of(partner).email, second_admin.email]
    )
    assert all(m.subject.startswith("Still unacknowledged") for m in outbox)
    assert notification.deliveries.filter(round=2).count() == 3


def test_an_acknowledged_emergency_is_not_escalated(partner, sent):
    with sent() as outbox:
        notify(partner=partner, kind="emergency", subject="Down")
    acknowledge(delivery=delivery_for_token(token_of(outbox[0].body)))
    assert escalate_due(now=timezone.now() + timedelta(hours=1)) == 0


def test_disabling_records_why_who_and_since_when_and_tells_the_emergency_contacts(partner, operator, sent):
    with sent() as outbox:
        notification = integration_disable(partner=partner, operator=operator, reason="Duplicate bookings")
    partner.refresh_from_db()
    assert partner.status == Partner.Status.DISABLED
    assert (partner.disabled_reason, partner.disabled_by) == ("Duplicate bookings", operator)
    assert partner.disabled_at is not None
    assert notification.event == Notification.Event.INTEGRATION_DISABLED
    assert [m.to for m in outbox] == [["technical_emergency0@acme.example"]]
    activity = Activity.objects.get(action=Activity.Action.PARTNER_DISABLED)
    assert activity.actor_label == "operator:ops@portal.example"


def test_the_notify_command_raises_an_alert_for_other_systems(partner, sent, capsys):
    with sent() as outbox:
        call_command("notify", "Acme", "alert", subject="Error rate 5%", body="Since 09:00", source="monitoring")
    assert "queued for 1 recipient." in capsys.readouterr().out
    notification = Notification.objects.get()
    assert (notification.kind, notification.raised_by_label) == (NotificationKind.ALERT, "monitoring")
    assert outbox[0].to == [admin_of(partner).email]


def test_the_notify_command_says_why_it_refuses(partner):
    with pytest.raises(CommandError, match="Production"):
        call_command("notify", str(partner.pk), "alert", subject="x", body="y", environment="sandbox")
    with pytest.raises(CommandError, match="No partner"):
        call_command("notify", "Nobody", "emergency", subject="x", body="y")


def test_disabling_twice_with_the_same_key_is_one_emergency(partner, operator, sent):
    with sent() as outbox:
        first = integration_disable(partner=partner, operator=operator, reason="Down", idempotency_key="d-1")
        again = integration_disable(partner=partner, operator=operator, reason="Down", idempotency_key="d-1")
    assert first.pk == again.pk
    assert len(outbox) == 1


def test_the_acknowledgement_link_is_not_kept_once_the_email_is_sent(partner, sent):
    with sent() as outbox:
        notification = notify(partner=partner, kind="emergency", subject="Down")
    token = token_of(outbox[0].body)
    email = notification.deliveries.get().email
    email.refresh_from_db()
    assert token not in email.body and email.one_time_link
    assert not OutgoingEmail.objects.filter(body__contains=token).exists()


def test_a_failed_emergency_email_is_retried_with_a_new_link_and_the_old_one_dies(partner, sent, client):
    from contacts.notifications.services import delivery_retry

    with sent() as outbox:
        notification = notify(partner=partner, kind="emergency", subject="Down")
    old = token_of(outbox[0].body)
    delivery = notification.deliveries.get()
    OutgoingEmail.objects.filter(pk=delivery.email_id).update(status=OutgoingEmail.Status.FAILED)
    delivery.refresh_from_db()
    with sent() as outbox:
        assert delivery_retry(delivery) is True
    new = token_of(outbox[0].body)
    assert new != old
    assert client.get(reverse("notifications:acknowledge", kwargs={"token": old})).status_code == 410
    assert client.post(reverse("notifications:acknowledge", kwargs={"token": new})).status_code == 200
    notification.refresh_from_db()
    assert notification.acknowledged_at is not None


def test_the_operators_told_instead_cannot_acknowledge_for_the_partner(sent, settings):
    settings.OPERATIONS_EMAIL = "ops-team@portal.example"
    partner = make_partner("NoEmergency")
    complete_contacts(partner)
    Contact.objects.filter(contact_information__partner=partner, category="technical_emergency").delete()
    contact_status_refresh(partner=partner)
    with sent() as outbox:
        notification = notify(partner=partner, kind="emergency", subject="Down")
    assert [m.to for m in outbox] == [["ops-team@portal.example"]]
    assert "/acknowledge/" not in outbox[0].body
    with sent() as outbox:
        assert escalate_due(now=timezone.now() + timedelta(minutes=31)) == 1
    assert [m.to for m in outbox] == [[admin_of(partner).email]]
    assert notification.deliveries.filter(round=2).count() == 1


def test_an_idempotency_key_is_the_partners_own(partner, sent):
    other = make_partner("Other")
    complete_contacts(other)
    first = notify(partner=partner, kind="emergency", subject="Down", idempotency_key="INC-1")
    second = notify(partner=other, kind="emergency", subject="Down", idempotency_key="INC-1")
    assert first.pk != second.pk and second.partner == other


def test_a_subscriber_is_told_why_and_where_to_unsubscribe(partner, sent):
    from accounts.models import MailingList, Subscription

    reader = make_member(partner, Role.VIEWER, email="reader@acme.example")
    Subscription.objects.create(user=reader, mailing_list=MailingList.TECHNICAL_ANNOUNCEMENTS)
    with sent() as outbox:
        notify(partner=partner, kind="announcement", subject="API v2", body="Migrate.")
    [email] = [m for m in outbox if m.to == ["reader@acme.example"]]
    assert "subscribed to “Technical announcements”" in email.body
    assert "/accounts/profile/" in email.body
    [contact] = [m for m in outbox if m.to != ["reader@acme.example"]]
    assert "as a contact of Acme" in contact.body
    assert contact.reply_to == [django_settings.OPERATIONS_EMAIL]
