"""Raising notifications, acknowledging them, escalating emergencies and fanning broadcasts out.

Recipients come from the one routing function (contacts.routing); each delivery is an email in the outbox
(accounts.outbox), which sends, retries and fails it. Emergencies and alerts go first in the queue.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OutgoingEmail
from accounts.outbox import (
    STUCK_AFTER,
    email_build,
    email_render,
    email_retry,
    emails_queue,
    enqueue_with_transaction,
)
from contacts.categories import ALERT, Kind, categories_for
from contacts.notifications.models import TEST, Broadcast, Delivery, Notification
from contacts.routing import (
    NotificationKind,
    Recipient,
    escalation_recipients,
    recipients_by_partner,
    recipients_for_category,
)
from partners.environments import Environment
from partners.models import Partner, hash_token, person_display
from partners.services import lock_partner, operator_label, partner_disable

ACKNOWLEDGE_WITHIN = timedelta(days=7)  # how long an acknowledgement link works
ESCALATE_AFTER = timedelta(minutes=30)  # an emergency nobody acknowledged in this time is sent again, wider
TESTS_PER_HOUR = 5  # test messages per contact category and partner, counted in the database
TEST_WINDOW = timedelta(hours=1)
BROADCAST_BATCH = 200  # partners per fan-out task

Event = Notification.Event
OPERATIONS = "operations"  # the source of a delivery to the operators' own address


class AcknowledgementError(Exception):
    """An acknowledgement link that no longer works (it expired); the page says so."""


class TestMessageRefused(Exception):
    """A test message that cannot be sent: no address in the category, or too many tests this hour (`next_at`)."""

    def __init__(self, message, *, next_at=None):
        super().__init__(message)
        self.next_at = next_at


def acknowledgement_url(token):
    return f"{settings.PORTAL_BASE_URL}{reverse('notifications:acknowledge', kwargs={'token': token})}"


def _priority(kind, broadcast=None):
    if kind == TEST:
        return OutgoingEmail.Priority.NORMAL  # someone is waiting for it, but it must not delay a real emergency
    if NotificationKind(kind).urgent:
        return OutgoingEmail.Priority.URGENT
    return OutgoingEmail.Priority.BULK if broadcast else OutgoingEmail.Priority.NORMAL


def _email(notification, recipient, round, token):
    """The subject and body of one delivery, in the recipient's language, with its acknowledgement link if any."""
    context = {
        "notification": notification,
        "partner": notification.partner,
        "recipient": recipient,
        "round": round,
        "acknowledge_url": acknowledgement_url(token) if token else "",
        "portal_url": settings.PORTAL_BASE_URL,
        "valid_days": ACKNOWLEDGE_WITHIN.days,
        "escalate_after_minutes": int(ESCALATE_AFTER.total_seconds() // 60),
    }
    template = "notifications/email/test" if notification.is_test else "notifications/email/notification"
    return email_render(template, context, recipient.language)


def _deliver(notification, recipients, *, round=1):
    """Queue one email per recipient of one notification (see _deliver_many)."""
    return _deliver_many([(notification, recipients)], round=round)


def _deliver_many(pairs, *, round=1):
    """Queue one email per recipient of each (notification, recipients) pair, each in the recipient's language,
    with an acknowledgement link for alerts and emergencies: two queries in all, however many."""
    emails, deliveries = [], []
    for notification, recipients in pairs:
        priority = _priority(notification.kind, notification.broadcast_id)
        for recipient in recipients:
            # The operators, told because nobody at the partner could be, do not acknowledge for the partner: an
            # emergency they saw must still reach the partner's Admins after 30 minutes.
            asks = notification.needs_acknowledgement and recipient.source != OPERATIONS
            token = secrets.token_urlsafe(32) if asks else None
            subject, body = _email(notification, recipient, round, token)
            emails.append(
                email_build(
                    to=recipient.email,
                    subject=subject,
                    body=body,
                    language=recipient.language,
                    priority=priority,
                    reply_to=settings.OPERATIONS_EMAIL,  # the emails say "reply to reach our operators"
                    one_time_link=bool(token),  # the link acknowledges without signing in: never kept once sent
                )
            )
            deliveries.append(
                Delivery(
                    notification=notification,
                    address=recipient.email,
                    language=recipient.language,
                    source=recipient.source,
                    user_id=recipient.user_id,
                    round=round,
                    token_hash=hash_token(token) if token else None,
                    token_expires_at=timezone.now() + ACKNOWLEDGE_WITHIN if token else None,
                )
            )
    if not emails:
        return []
    for delivery, email in zip(deliveries, emails_queue(emails), strict=True):
        delivery.email = email
    return Delivery.objects.bulk_create(deliveries)


def _tell_operations(notification):
    """Nobody at the partner could be told: the operators are, so that someone acts."""
    notification.nobody_reached = True
    operations = Recipient(settings.OPERATIONS_EMAIL, settings.LANGUAGE_CODE, OPERATIONS)
    _deliver(notification, [operations])


def _create_once(rows, idempotency_key, **fields):
    """(row, created): a new row of `rows`, or the one an earlier call with the same idempotency key made, even
    one made at the same moment by a double submit (the unique constraint decides)."""
    if idempotency_key and (existing := rows.filter(idempotency_key=idempotency_key).first()):
        return existing, False
    try:
        with transaction.atomic():
            return rows.create(idempotency_key=idempotency_key or None, **fields), True
    except IntegrityError:
        return rows.get(idempotency_key=idempotency_key), False


@transaction.atomic
def notify(
    *,
    partner,
    kind,
    subject="",
    body="",
    environment=Environment.PRODUCTION,
    raised_by=None,
    label=None,
    event=Event.MESSAGE,
    idempotency_key=None,
):
    """Raise a notification about a partner and queue an email to each of its recipients.

    A second call with the same idempotency key returns the first notification and sends nothing more.
    A constant number of queries, whatever the number of contacts. Raises contacts.routing.RoutingError for
    an alert outside Production.
    """
    recipients = recipients_by_partner([partner], kind, environment)[partner.pk]
    notification, created = _create_once(
        partner.notifications,
        idempotency_key,
        kind=kind,
        event=event,
        environment=environment,
        subject=subject,
        body=body,
        raised_by=raised_by,
        raised_by_label=label if label is not None else (raised_by.email if raised_by else ""),
    )
    if not created:
        return notification
    if recipients:
        _deliver(notification, recipients)
    else:
        _tell_operations(notification)
        notification.save(update_fields=["nobody_reached"])
    return notification


@transaction.atomic
def integration_disable(*, partner, operator, reason, idempotency_key=None):
    """An operator disables the integration; its technical emergency contacts are told at once.

    A repeated call with the same idempotency key (a double submit) returns the first notification.
    """
    if idempotency_key and (done := partner.notifications.filter(idempotency_key=idempotency_key).first()):
        return done
    partner = partner_disable(partner=partner, operator=operator, reason=reason)
    return notify(
        partner=partner,
        kind=NotificationKind.EMERGENCY,
        event=Event.INTEGRATION_DISABLED,
        subject="Integration disabled",
        body=partner.disabled_reason,
        raised_by=operator,
        label=operator_label(operator),
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def delivery_retry(delivery):
    """Send a failed delivery again. Its body was erased if it carried an acknowledgement link: it is written anew,
    with a new link (the old one stops working). Returns whether it was queued again."""
    email = delivery.email
    if email.status != OutgoingEmail.Status.FAILED:
        return False
    if not email.one_time_link:
        return email_retry(email)
    token = secrets.token_urlsafe(32)
    delivery.token_hash = hash_token(token)
    delivery.token_expires_at = timezone.now() + ACKNOWLEDGE_WITHIN
    delivery.save(update_fields=["token_hash", "token_expires_at"])
    recipient = Recipient(delivery.address, delivery.language, delivery.source, delivery.user_id)
    subject, body = _email(delivery.notification, recipient, delivery.round, token)
    return email_retry(email, subject=subject, body=body)


def delivery_for_token(token):
    """The delivery an acknowledgement link points to, or None."""
    return (
        Delivery.objects.select_related("notification__partner", "email").filter(token_hash=hash_token(token)).first()
    )


def _acknowledger(delivery, user):
    """Who acknowledged a delivery: a member of its partner signed in when pressing, named, else the address."""
    signed_in = user is not None and user.is_authenticated
    if signed_in and delivery.notification.partner.memberships.filter(user=user).exists():
        return person_display(user)
    return delivery.address


@transaction.atomic
def acknowledge(*, delivery, user=None):
    """Record an acknowledgement: the delivery's (when, and by whom), and the notification's first (who and when).

    `user` is whoever is signed in, if anyone: named on the delivery only if a member of its partner.
    """
    if delivery.token_expires_at is None or delivery.token_expires_at <= timezone.now():
        raise AcknowledgementError("expired")
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=_acknowledger(delivery, user)
    )
    # Recorded as the address the link was sent to, whoever is signed in: a forwarded link acknowledges for
    # its recipient, and never shows another partner's member to this one.
    first = Notification.objects.filter(pk=delivery.notification_id, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=delivery.address
    )
    delivery.refresh_from_db()
    delivery.notification.refresh_from_db()
    return bool(first)


def escalate_due(now=None):
    """Send every emergency nobody acknowledged within 30 minutes again, to its contacts and the partner's Admins.

    Each emergency is escalated once, even when several sweepers run at the same time. Returns how many were.
    """
    now = now or timezone.now()
    due = Notification.objects.unacknowledged().filter(
        kind=NotificationKind.EMERGENCY, escalated_at__isnull=True, created_at__lte=now - ESCALATE_AFTER
    )
    escalated = 0
    for notification in due.select_related("partner")[:100]:
        with transaction.atomic():
            claim = Notification.objects.filter(
                pk=notification.pk, escalated_at__isnull=True, acknowledged_at__isnull=True
            )
            if not claim.update(escalated_at=now):
                continue  # another sweeper took it, or someone acknowledged it meanwhile
            recipients = escalation_recipients(notification.partner)
            if recipients:
                _deliver(notification, recipients, round=2)
            escalated += 1
    return escalated


@transaction.atomic
def broadcast_create(*, kind, subject, body, operator, integration="", idempotency_key=None):
    """An announcement (or product update) to every partner of an integration kind, or all: one row now, the
    notifications made by tasks in batches of BROADCAST_BATCH partners, so no request does it all."""
    broadcast, created = _create_once(
        Broadcast.objects,
        idempotency_key,
        kind=kind,
        integration=integration,
        subject=subject,
        body=body,
        raised_by=operator,
    )
    if created:
        _fan_out_next(broadcast.pk, 0)
    return broadcast


def _fan_out_next(broadcast_id, after_partner_id):
    """Queue the task for the batch after `after_partner_id`, with the transaction that got there."""
    enqueue_with_transaction(
        lambda: broadcast_fan_out.using(priority=OutgoingEmail.Priority.BULK).enqueue(broadcast_id, after_partner_id)
    )


@task
def broadcast_fan_out(broadcast_id, after_partner_id):
    """Make the notifications of the batch of partners after the cursor, move it, and queue the next batch.

    One transaction per batch, under the broadcast's row lock: a task whose cursor is not the broadcast's (a
    duplicate, or one a sweeper resumed meanwhile) does nothing, so every partner is told once.
    """
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update(of=("self",)).select_related("raised_by").get(pk=broadcast_id)
        if broadcast.finished_at or broadcast.last_partner_id != after_partner_id:
            return "stale"
        partners = Partner.objects.order_by("pk").filter(pk__gt=after_partner_id)
        if broadcast.integration:
            partners = partners.filter(integration=broadcast.integration)
        batch = list(partners[:BROADCAST_BATCH])
        broadcast.progressed_at = timezone.now()
        if not batch:
            broadcast.finished_at = broadcast.progressed_at
            broadcast.save(update_fields=["progressed_at", "finished_at"])
            return 0
        notifications_fan_out(broadcast, batch)
        broadcast.last_partner_id = batch[-1].pk
        broadcast.partners_done = F("partners_done") + len(batch)
        broadcast.save(update_fields=["last_partner_id", "partners_done", "progressed_at"])
        _fan_out_next(broadcast.pk, broadcast.last_partner_id)
    return len(batch)


def broadcasts_resume(now=None):
    """Queue the next batch again of every unfinished broadcast that has not moved for a while (its worker was
    killed, or its task lost). A resumed batch that was only slow finds its cursor moved and does nothing."""
    now = now or timezone.now()
    idle = Q(progressed_at__lt=now - STUCK_AFTER) | Q(progressed_at__isnull=True, created_at__lt=now - STUCK_AFTER)
    stalled = list(Broadcast.objects.filter(idle, finished_at__isnull=True).values_list("pk", "last_partner_id"))
    with transaction.atomic():
        for broadcast_id, cursor in stalled:
            _fan_out_next(broadcast_id, cursor)
    return len(stalled)


def notifications_fan_out(broadcast, partners):
    """One notification per partner of the batch and their deliveries, in a constant number of queries."""
    recipients = recipients_by_partner(partners, broadcast.kind)
    label = operator_label(broadcast.raised_by) if broadcast.raised_by else ""
    notifications = Notification.objects.bulk_create(
        Notification(
            partner=partner,
            kind=broadcast.kind,
            subject=broadcast.subject,
            body=broadcast.body,
            raised_by=broadcast.raised_by,
            raised_by_label=label,
            broadcast=broadcast,
            nobody_reached=not recipients[partner.pk],
        )
        for partner in partners
    )
    everyone = []
    for notification, partner in zip(notifications, partners, strict=True):
        notification.partner = partner
        everyone.append((notification, recipients[partner.pk]))
    _deliver_many(everyone)


# --- Test messages ----------------------------------------------------------------------------------------


def test_categories(partner, environment):
    """The categories a test message can be sent to, in page order: those with addresses (alert contacts only
    where they exist, in Production; merchant issues only where the integration kind needs them)."""
    return [
        category
        for category in categories_for(partner.integration_kind)
        if category.kind in (Kind.CONTACTS, Kind.SHARED)
        or (category is ALERT and Environment(environment).has_alert_contacts)
    ]


def test_recipients(partner, category):
    """The addresses of one category of a partner, as the routing reads them (one query)."""
    return recipients_for_category(partner, category)


def test_message_next_at(partner, category, now=None):
    """When another test message to `category` may be sent: None now, else the moment the oldest of the last
    TESTS_PER_HOUR leaves the hour."""
    now = now or timezone.now()
    recent = list(
        partner.notifications.filter(kind=TEST, category=category, created_at__gt=now - TEST_WINDOW)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:TESTS_PER_HOUR]
    )
    return recent[-1] + TEST_WINDOW if len(recent) >= TESTS_PER_HOUR else None


@transaction.atomic
def test_message_send(*, partner, category, sender):
    """Send a test message with an acknowledgement link to every address of one contact category.

    Refused (TestMessageRefused) when the category has no address, or had TESTS_PER_HOUR tests in the last hour.
    A test never escalates and is never an open alert or emergency: its kind is TEST, which nothing else acts on.
    """
    lock_partner(partner.pk)  # two members pressing at once are counted one after the other
    recipients = test_recipients(partner, category)
    if not recipients:
        raise TestMessageRefused(_("There is no address in this category to send a test message to."))
    if next_at := test_message_next_at(partner, category):
        raise TestMessageRefused(
            _("%(count)d test messages were sent to this category in the last hour.") % {"count": TESTS_PER_HOUR},
            next_at=next_at,
        )
    notification = partner.notifications.create(
        kind=TEST,
        category=category,
        subject="Test message",  # the page and emails show the title, in each reader's language
        raised_by=sender,
        raised_by_label=person_display(sender),  # the contacts may not know the address: named, as in messages
    )
    _deliver(notification, recipients)
    return notification
