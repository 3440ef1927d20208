"""Notifications cost a constant number of queries: per notification whatever the contacts, per fan-out batch
whatever the partners' contacts; a broadcast is fanned out by tasks, never by the request that creates it."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from accounts.models import OutgoingEmail
from contacts.notifications import services
from contacts.notifications.models import Broadcast, Delivery, Notification
from contacts.routing import NotificationKind
from partners.models import Role
from tests.helpers import complete_contacts, make_member, make_partner

Kind = NotificationKind


def partner_with_contacts(per_category):
    """A partner with `per_category` contacts in each category and as many alert contacts (all Editors)."""
    partner = make_partner()
    alerts = [make_member(partner, Role.EDITOR) for _ in range(per_category)]
    complete_contacts(partner, alerts=alerts, per_category=per_category)
    return partner


def queries_to_notify(partner, kind):
    with CaptureQueriesContext(connection) as queries:
        notification = services.notify(partner=partner, kind=kind, subject="Subject", body="Body")
    return len(queries), notification.deliveries.count()


@pytest.mark.parametrize("kind", [Kind.ALERT, Kind.EMERGENCY, Kind.ANNOUNCEMENT, Kind.MERCHANT_ISSUE])
@pytest.mark.django_db
def test_a_notification_costs_the_same_queries_for_1_or_10_contacts(kind):
    few, few_deliveries = queries_to_notify(partner_with_contacts(1), kind)
    many, many_deliveries = queries_to_notify(partner_with_contacts(10), kind)
    assert (few_deliveries, many_deliveries) == (1, 10)
    assert few == many


def broadcast_to_all(subject="Maintenance", after_partner_id=0):
    """A broadcast row, as broadcast_create leaves it, without its first task (or with its cursor moved on)."""
    return Broadcast.objects.create(
        kind=Kind.ANNOUNCEMENT, subject=subject, body="On Sunday.", last_partner_id=after_partner_id
    )


def queries_to_fan_out(broadcast, partners):
    """Queries of every batch of a broadcast to `partners` (and of the last task, which finds none left).

    The tasks are called one by one: in the test's transaction, a batch's hand-over to the next never commits.
    """
    partners = sorted(partners, key=lambda p: p.pk)
    cursors = [0] + [p.pk for p in partners[services.BROADCAST_BATCH - 1 :: services.BROADCAST_BATCH]]
    with CaptureQueriesContext(connection) as queries:
        for after in cursors:
            services.broadcast_fan_out.call(broadcast.pk, after)
    assert Notification.objects.filter(broadcast=broadcast).count() == len(partners)
    return len(queries)


def queries_of_one_batch(broadcast):
    with CaptureQueriesContext(connection) as queries:
        services.broadcast_fan_out.call(broadcast.pk, 0)
    return len(queries)


@pytest.fixture
def batches_of_two(monkeypatch):
    monkeypatch.setattr(services, "BROADCAST_BATCH", 2)


@pytest.mark.django_db
def test_a_broadcast_costs_the_same_queries_for_each_batch(batches_of_two):
    partners = [partner_with_contacts(1) for _ in range(4)]
    two_batches = queries_to_fan_out(broadcast_to_all(), partners)
    partners += [partner_with_contacts(1) for _ in range(2)]
    three_batches = queries_to_fan_out(broadcast_to_all(), partners)
    one_batch = queries_of_one_batch(broadcast_to_all())
    assert three_batches - two_batches == one_batch


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_for_1_or_10_contacts_per_partner(batches_of_two):
    few = [partner_with_contacts(1) for _ in range(2)]
    few_broadcast = broadcast_to_all()
    few_queries = queries_of_one_batch(few_broadcast)
    many = [partner_with_contacts(10) for _ in range(2)]
    # A broadcast that starts after the first two partners, so that its batch is the two with 10 contacts.
    many_broadcast = broadcast_to_all(after_partner_id=few[-1].pk)
    with CaptureQueriesContext(connection) as queries:
        services.broadcast_fan_out.call(many_broadcast.pk, few[-1].pk)
    assert Delivery.objects.filter(notification__broadcast=few_broadcast).count() == 2
    assert Delivery.objects.filter(notification__broadcast=many_broadcast).count() == 20
    assert {n.partner for n in Notification.objects.filter(broadcast=many_broadcast)} == set(many)
    assert len(queries) == few_queries


@pytest.mark.django_db(transaction=True)  # the request commits, and the worker's tasks hand over at commit
def test_creating_a_broadcast_notifies_nobody_and_hands_the_fan_out_to_a_task(settings, batches_of_two):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    partners = [partner_with_contacts(1) for _ in range(5)]
    with CaptureQueriesContext(connection) as queries:
        broadcast = services.broadcast_create(
            kind=Kind.ANNOUNCEMENT, subject="Maintenance", body="On Sunday.", operator=None
        )
    inserts = [q["sql"].split('"')[1] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert inserts == ["notifications_broadcast", "django_tasks_database_dbtaskresult"]
    assert len(queries) <= 6, "the two inserts, the transaction and its savepoint: nothing per partner"
    assert not Notification.objects.exists() and not OutgoingEmail.objects.exists()
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.args_kwargs["args"]) == (
        "contacts.notifications.services.broadcast_fan_out",
        [broadcast.pk, 0],
    )
    assert task.priority == OutgoingEmail.Priority.BULK

    # The worker makes one batch per task, each handing the next to a new task when it commits.
    call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", verbosity=0)
    broadcast.refresh_from_db()
    assert broadcast.finished_at is not None and broadcast.partners_done == 5
    assert sorted(Notification.objects.values_list("partner", flat=True)) == sorted(p.pk for p in partners)
    fan_outs = DBTaskResult.objects.filter(task_path="contacts.notifications.services.broadcast_fan_out")
    assert fan_outs.count() == 4, "three batches of at most two partners, and the task that finds none left"
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {OutgoingEmail.Status.SENT}
