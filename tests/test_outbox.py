"""The outbox's state machine, driven by the database queue and a real worker: queued → sending → sent, retried
with back-off while the mail server refuses, failed after the last attempt, swept when a worker died."""

import smtplib
import socket
from datetime import timedelta

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from accounts.models import OutgoingEmail
from accounts.outbox import (
    ERASED_BODY,
    MAX_ATTEMPTS,
    email_build,
    email_queue,
    email_retry,
    email_send,
    emails_queue,
    outbox_sweep,
)

pytestmark = pytest.mark.django_db

Status = OutgoingEmail.Status
Priority = OutgoingEmail.Priority
REFUSING = "tests.test_outbox.RefusingBackend"
DISCONNECTING = "tests.test_outbox.DisconnectingBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every connection."""

    def send_messages(self, messages):
        raise ConnectionRefusedError(111, "Connection refused")


class DisconnectingBackend(BaseEmailBackend):
    """A mail server that hangs up in the middle of the conversation."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class HungThenOvertakenBackend(BaseEmailBackend):
    """A send that hangs so long that a sweeper hands the email back and another worker claims it meanwhile."""

    def send_messages(self, messages):
        OutgoingEmail.objects.update(status=Status.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now())
        return len(messages)


OVERTAKEN = "tests.test_outbox.HungThenOvertakenBackend"


def use_mailer(settings, backend):
    """Send every email through `backend` (a dotted path) from now on."""
    settings.MAILERS = {"default": {"BACKEND": backend}}


def time_passes(delta):
    """Move every email's clock and every deferred task back by `delta`, as if `delta` had passed."""
    OutgoingEmail.objects.update(
        next_attempt_at=F("next_attempt_at") - delta,
        claimed_at=F("claimed_at") - delta,
        created_at=F("created_at") - delta,
    )
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).exclude(run_after=get_date_max()).update(
        run_after=F("run_after") - delta
    )


def ready_tasks():
    """Tasks the worker would run now or later, as (task name, priority) in the order it would take them."""
    return [
        (path.rpartition(".")[2], priority)
        for path, priority in DBTaskResult.objects.filter(status=TaskResultStatus.READY).values_list(
            "task_path", "priority"
        )
    ]


@pytest.fixture
def queue(django_capture_on_commit_callbacks):
    """Queue emails as a committed transaction would: `queue(to=...)` or `queue([email_build(...), ...])`."""

    def queue(emails=None, **fields):
        fields = {"subject": "Hello", "body": "Body", "language": "en", **fields}
        with django_capture_on_commit_callbacks(execute=True):
            return emails_queue(emails) if emails is not None else email_queue(**fields)

    return queue


def test_an_email_is_sent_once_and_marked_sent(db_tasks, queue, mailoutbox):
    email = queue(to="ana@acme.example", subject="Hi Ana", body="Line one")
    assert email.status == Status.QUEUED and mailoutbox == []  # nothing is sent before the worker runs
    db_tasks()
    [message] = mailoutbox
    assert (message.to, message.subject, message.body) == (["ana@acme.example"], "Hi Ana", "Line one")
    email.refresh_from_db()
    assert email.status == Status.SENT and email.delivered and email.attempts == 1
    assert email.sent_at is not None and email.last_error == ""
    db_tasks()
    assert len(mailoutbox) == 1


def test_the_task_commits_or_rolls_back_with_its_email(db_tasks, mailoutbox):
    # The queue lives in this database: the task row is written in the caller's transaction, so a crash between
    # the commit and the enqueue cannot lose it, and a rollback leaves neither.
    with pytest.raises(RuntimeError), transaction.atomic():
        email_queue(to="ana@acme.example", subject="Hi", body="Body", language="en")
        assert ready_tasks() == [("email_send", 0)]
        raise RuntimeError("the caller fails after queueing")
    assert ready_tasks() == [] and not OutgoingEmail.objects.exists()
    email = email_queue(to="ana@acme.example", subject="Hi", body="Body", language="en")
    email.refresh_from_db()
    assert ready_tasks() == [("email_send", 0)] and email.task_id  # the sweeper knows its task is waiting
    db_tasks()
    assert len(mailoutbox) == 1


class TestRetries:
    @pytest.fixture(autouse=True)
    def smtp_down(self, settings):
        use_mailer(settings, REFUSING)

    def test_each_failed_attempt_schedules_the_next_with_growing_delays(self, db_tasks, queue):
        email = queue(to="ana@acme.example")
        delays = []
        for attempt in range(1, MAX_ATTEMPTS):
            before = timezone.now()
            db_tasks()
            email.refresh_from_db()
            assert (email.status, email.attempts) == (Status.QUEUED, attempt)
            assert email.retrying and not email.delivered
            assert "ConnectionRefusedError" in email.last_error
            delays.append(round((email.next_attempt_at - before).total_seconds() / 60))
            # The next attempt waits for its time: running the worker again now changes nothing.
            db_tasks()
            email.refresh_from_db()
            assert email.attempts == attempt
            time_passes(email.next_attempt_at - before)
        assert delays == [1, 5, 15, 40]

    def test_the_fifth_failed_attempt_fails_the_email_for_good(self, db_tasks, queue, mailoutbox):
        email = queue(to="ana@acme.example")
        for _ in range(MAX_ATTEMPTS):
            db_tasks()
            time_passes(timedelta(hours=1))
        email.refresh_from_db()
        assert (email.status, email.attempts) == (Status.FAILED, MAX_ATTEMPTS)
        assert not email.retrying and not email.delivered
        assert "ConnectionRefusedError" in email.last_error
        assert ready_tasks() == [] and mailoutbox == []
        assert outbox_sweep() == 0  # a failed email stays failed

    def test_a_server_that_hangs_up_is_one_failed_attempt_too(self, db_tasks, queue, settings):
        use_mailer(settings, DISCONNECTING)
        email = queue(to="ana@acme.example")
        db_tasks()
        email.refresh_from_db()
        assert (email.status, email.attempts) == (Status.QUEUED, 1)
        assert "SMTPServerDisconnected" in email.last_error

    def test_the_real_smtp_backend_refused_a_connection_is_retried(self, db_tasks, queue, settings):
        with socket.socket() as closed:  # bound but not listening: connecting is refused
            closed.bind(("127.0.0.1", 0))
            port = closed.getsockname()[1]
            settings.MAILERS = {
                "default": {
                    "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
                }
            }
            email = queue(to="ana@acme.example")
            db_tasks()
        email.refresh_from_db()
        assert (email.status, email.attempts) == (Status.QUEUED, 1)
        assert "ConnectionRefusedError" in email.last_error

    def test_once_the_server_is_back_the_next_attempt_delivers_it(self, db_tasks, queue, settings, mailoutbox):
        email = queue(to="ana@acme.example", body="The whole body")
        db_tasks()
        db_tasks()
        use_mailer(settings, LOCMEM)
        time_passes(timedelta(minutes=1))
        db_tasks()
        email.refresh_from_db()
        assert (email.status, email.attempts, email.last_error) == (Status.SENT, 2, "")
        assert [message.body for message in mailoutbox] == ["The whole body"]

    def test_without_a_queue_that_can_defer_the_sweeper_makes_the_next_attempt(
        self, queue, settings, mailoutbox, django_capture_on_commit_callbacks
    ):
        # The immediate backend (the default in tests) cannot defer a task: the next attempt is the sweeper's.
        email = queue(to="ana@acme.example")
        email.refresh_from_db()
        assert (email.status, email.attempts) == (Status.QUEUED, 1)
        use_mailer(settings, LOCMEM)
        OutgoingEmail.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=11))
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox_sweep() == 1
        email.refresh_from_db()
        assert (email.status, email.attempts) == (Status.SENT, 2) and len(mailoutbox) == 1


class TestOneTimeLinks:
    def test_a_body_with_a_one_time_link_is_erased_once_sent(self, db_tasks, queue, mailoutbox):
        email = queue(to="ana@acme.example", body="https://portal.example/reset/secret/", one_time_link=True)
        db_tasks()
        assert mailoutbox[0].body == "https://portal.example/reset/secret/"
        email.refresh_from_db()
        assert email.status == Status.SENT and email.body == ERASED_BODY

    def test_a_body_with_a_one_time_link_is_erased_once_failed_and_kept_while_retrying(self, db_tasks, queue, settings):
        use_mailer(settings, REFUSING)
        email = queue(to="ana@acme.example", body="https://portal.example/reset/secret/", one_time_link=True)
        for _ in range(MAX_ATTEMPTS - 1):
            db_tasks()
            email.refresh_from_db()
            assert email.retrying and email.body == "https://portal.example/reset/secret/"  # the next try needs it
            time_passes(timedelta(hours=1))
        db_tasks()
        email.refresh_from_db()
        assert email.status == Status.FAILED and email.body == ERASED_BODY

    def test_other_bodies_are_kept(self, db_tasks, queue, settings):
        sent = queue(to="ana@acme.example", body="An announcement")
        db_tasks()
        use_mailer(settings, REFUSING)
        failed = queue(to="bob@acme.example", body="Another announcement")
        for _ in range(MAX_ATTEMPTS):
            db_tasks()
            time_passes(timedelta(hours=1))
        sent.refresh_from_db()
        failed.refresh_from_db()
        assert (sent.status, sent.body) == (Status.SENT, "An announcement")
        assert (failed.status, failed.body) == (Status.FAILED, "Another announcement")


class TestSweeper:
    """A worker killed mid-send leaves its email in *sending*; a lost task leaves one queued for ever."""

    def make(self, **fields):
        """An email in some state, with no task in the queue (as a dead worker or a lost task leaves it)."""
        return OutgoingEmail.objects.create(to="ana@acme.example", subject="Hi", body="Body", language="en", **fields)

    def ago(self, **delta):
        return timezone.now() - timedelta(**delta)

    def test_an_email_stuck_in_sending_is_handed_back_and_sent(
        self, db_tasks, django_capture_on_commit_callbacks, mailoutbox
    ):
        email = self.make(status=Status.SENDING, attempts=1, claimed_at=self.ago(minutes=6))
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox_sweep() == 1
        email.refresh_from_db()
        assert email.status == Status.QUEUED and ready_tasks() == [("email_send", Priority.NORMAL)]
        db_tasks()
        email.refresh_from_db()
        assert (email.status, email.attempts) == (Status.SENT, 2) and len(mailoutbox) == 1

    def test_an_overdue_queued_email_gets_a_new_task(self, db_tasks, django_capture_on_commit_callbacks, mailoutbox):
        email = self.make(next_attempt_at=self.ago(minutes=11), priority=Priority.URGENT)
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox_sweep() == 1
        assert ready_tasks() == [("email_send", Priority.URGENT)]
        db_tasks()
        email.refresh_from_db()
        assert email.status == Status.SENT and len(mailoutbox) == 1

    def test_fresh_emails_are_left_alone(self, db_tasks, django_capture_on_commit_callbacks):
        sending = self.make(status=Status.SENDING, attempts=1, claimed_at=self.ago(minutes=4))
        due_soon = self.make(next_attempt_at=self.ago(minutes=9))
        later = self.make(next_attempt_at=timezone.now() + timedelta(minutes=30), attempts=3)
        done = self.make(status=Status.SENT, claimed_at=self.ago(days=1), next_attempt_at=self.ago(days=1))
        failed = self.make(status=Status.FAILED, attempts=5, next_attempt_at=self.ago(days=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox_sweep() == 0
        assert ready_tasks() == []
        for email in (sending, due_soon, later, done, failed):
            before = (email.status, email.attempts, email.next_attempt_at)
            email.refresh_from_db()
            assert (email.status, email.attempts, email.next_attempt_at) == before

    def test_an_overdue_email_whose_task_still_waits_in_a_long_queue_is_left_to_it(self, db_tasks, queue):
        email = queue(to="ana@acme.example")
        OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=self.ago(minutes=30))
        assert outbox_sweep() == 0  # its task waits behind a big broadcast: no duplicate
        assert len(ready_tasks()) == 1
        DBTaskResult.objects.all().delete()  # the task is lost
        assert outbox_sweep() == 1
        assert len(ready_tasks()) == 1

    def test_a_stuck_last_attempt_is_never_claimable_again(self, db_tasks, mailoutbox):
        email = self.make(status=Status.SENDING, attempts=MAX_ATTEMPTS, claimed_at=self.ago(minutes=6))
        email_send.enqueue(email.pk)  # a duplicate task racing the sweeper
        outbox_sweep()
        db_tasks()
        email.refresh_from_db()
        assert (email.status, email.attempts) == (Status.FAILED, MAX_ATTEMPTS) and mailoutbox == []

    def test_an_email_stuck_on_its_last_attempt_fails_rather_than_being_sent_a_sixth_time(
        self, db_tasks, django_capture_on_commit_callbacks, mailoutbox
    ):
        email = self.make(status=Status.SENDING, attempts=MAX_ATTEMPTS, claimed_at=self.ago(minutes=6))
        with django_capture_on_commit_callbacks(execute=True):
            outbox_sweep()
        db_tasks()
        email.refresh_from_db()
        assert (email.status, email.attempts) == (Status.FAILED, MAX_ATTEMPTS) and mailoutbox == []
        assert "worker stopped" in email.last_error


class TestDuplicates:
    def test_a_worker_whose_send_hung_leaves_the_attempt_that_overtook_it_alone(self, db_tasks, queue, settings):
        use_mailer(settings, OVERTAKEN)
        email = queue(to="ana@acme.example")
        db_tasks()
        email.refresh_from_db()
        # The first worker's "sent" does not land on the second worker's claim: that one finishes its own attempt.
        assert (email.status, email.attempts, email.sent_at) == (Status.SENDING, 2, None)

    def test_a_duplicate_task_does_not_send_twice(self, db_tasks, queue, mailoutbox):
        email = queue(to="ana@acme.example")
        email_send.enqueue(email.pk)  # a sweep that raced the first task
        assert len(ready_tasks()) == 2
        db_tasks()
        email.refresh_from_db()
        assert (email.status, email.attempts) == (Status.SENT, 1) and len(mailoutbox) == 1

    def test_an_email_another_worker_is_sending_is_left_to_it(self, db_tasks, mailoutbox):
        email = OutgoingEmail.objects.create(
            to="ana@acme.example", subject="Hi", body="Body", language="en", status=Status.SENDING, attempts=1
        )
        assert email_send.call(email.pk) == "not due"
        email.refresh_from_db()
        assert (email.status, email.attempts) == (Status.SENDING, 1) and mailoutbox == []

    def test_a_task_that_runs_before_the_next_attempt_is_due_does_nothing(self, db_tasks, mailoutbox):
        email = OutgoingEmail.objects.create(
            to="ana@acme.example",
            subject="Hi",
            body="Body",
            language="en",
            attempts=1,
            next_attempt_at=timezone.now() + timedelta(minutes=5),
        )
        assert email_send.call(email.pk) == "not due"
        email.refresh_from_db()
        assert (email.status, email.attempts) == (Status.QUEUED, 1) and mailoutbox == []


class TestRetryByHand:
    def fail(self, db_tasks, queue, settings, **fields):
        use_mailer(settings, REFUSING)
        email = queue(to="ana@acme.example", **fields)
        for _ in range(MAX_ATTEMPTS):
            db_tasks()
            time_passes(timedelta(hours=1))
        email.refresh_from_db()
        assert email.status == Status.FAILED
        use_mailer(settings, LOCMEM)
        return email

    def test_a_failed_email_gets_a_fresh_round_of_attempts(
        self, db_tasks, queue, settings, mailoutbox, django_capture_on_commit_callbacks
    ):
        email = self.fail(db_tasks, queue, settings, body="Please read")
        with django_capture_on_commit_callbacks(execute=True):
            assert email_retry(email) is True
        email.refresh_from_db()
        assert (email.status, email.attempts, email.last_error) == (Status.QUEUED, 0, "")
        db_tasks()
        email.refresh_from_db()
        assert (email.status, email.attempts) == (Status.SENT, 1)
        assert [message.body for message in mailoutbox] == ["Please read"]

    def test_an_erased_one_time_link_is_not_sent_again(
        self, db_tasks, queue, settings, mailoutbox, django_capture_on_commit_callbacks
    ):
        email = self.fail(db_tasks, queue, settings, one_time_link=True)
        with django_capture_on_commit_callbacks(execute=True):
            assert email_retry(email) is False
        db_tasks()
        email.refresh_from_db()
        assert email.status == Status.FAILED and mailoutbox == []

    def test_only_a_failed_email_is_retried(self, db_tasks, queue, mailoutbox, django_capture_on_commit_callbacks):
        email = queue(to="ana@acme.example")
        db_tasks()
        with django_capture_on_commit_callbacks(execute=True):
            assert email_retry(email) is False
        db_tasks()
        assert len(mailoutbox) == 1


class TestPriority:
    def test_an_urgent_email_queued_after_a_bulk_batch_is_sent_first(self, db_tasks, queue, mailoutbox):
        queue(
            [
                email_build(to=f"bulk{n}@acme.example", subject="News", body="", language="en", priority=Priority.BULK)
                for n in range(3)
            ]
        )
        # The batch is one task at its own priority, handing out a task per email at that priority.
        assert ready_tasks() == [("emails_dispatch", Priority.BULK)]
        call_worker(max_tasks=1)
        assert sorted(ready_tasks()) == [("email_send", Priority.BULK)] * 3 and mailoutbox == []
        queue(to="normal@acme.example", subject="Invitation")
        queue(to="urgent@acme.example", subject="Emergency", priority=Priority.URGENT)
        db_tasks()
        assert [message.to[0] for message in mailoutbox][:2] == ["urgent@acme.example", "normal@acme.example"]
        assert sorted(message.to[0] for message in mailoutbox[2:]) == [f"bulk{n}@acme.example" for n in range(3)]


def call_worker(*, max_tasks):
    """Run the worker for at most `max_tasks` tasks."""
    from django.core.management import call_command

    call_command(
        "db_worker", "--batch", "--interval", "0", "--no-startup-delay", "--max-tasks", str(max_tasks), verbosity=0
    )
