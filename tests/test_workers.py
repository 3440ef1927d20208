"""The outbox with real worker processes: each email sent once by two workers, a killed worker's email handed
back by the sweeper, a refusing mail server retried on schedule until the email fails, nothing lost.

The workers are `manage.py db_worker` subprocesses on the test database, so these tests commit for real
(transaction=True) and run on PostgreSQL only: SQLite's test database lives in memory, out of another process's
reach. The last tests (known defects: a lost broadcast, the sweeper's clock) run in-process, on both databases.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import OutgoingEmail
from accounts.outbox import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    STUCK_AFTER,
    email_build,
    email_queue,
    email_send,
    emails_queue,
    outbox_sweep,
)
from contacts.notifications import services
from contacts.notifications.models import Broadcast, Notification
from contacts.routing import NotificationKind
from tests.helpers import complete_contacts, make_partner
from tests.mailbackends import BLOCK, LOG, sent_lines

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: set DATABASE_URL=postgres://USER@HOST:5432/NAME "
    "(worker processes share the test database; SQLite's is in memory)",
)
Status = OutgoingEmail.Status
BACKENDS = "tests.mailbackends"


def worker_database_url():
    """DATABASE_URL of the test database (its name differs from the configured one), for a subprocess."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition, timeout=15, what="the workers"):
    """Poll until `condition()` is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout} s for {what}")
        time.sleep(0.02)


@pytest.fixture
def database_queue(settings):
    """Tasks go to the database queue, where the worker processes find them (not run inline)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def mail_log(tmp_path):
    return tmp_path / "sent.log"


@pytest.fixture
def manage(transactional_db, database_queue, mail_log, tmp_path):
    """Run `manage.py <args>` against the test database with an email backend from tests.mailbackends.

    `manage(*args, backend=..., wait=False)` returns the Popen; every process still running is killed before the
    test database is flushed.
    """
    processes = []
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"EMAIL_HOST", "DJANGO_ENV", "REDIS_URL"} and not key.startswith("DJANGO_ALLOW")
    }
    environment.update(
        DATABASE_URL=worker_database_url(),
        DJANGO_SETTINGS_MODULE="portal.settings",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        **{LOG: str(mail_log), BLOCK: str(tmp_path / "block")},
    )

    def run(*args, backend="AppendingBackend", wait=True):
        process = subprocess.Popen(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
            env={**environment, "EMAIL_BACKEND": f"{BACKENDS}.{backend}"},
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        if wait:
            out, err = process.communicate(timeout=25)
            assert process.returncode == 0, err
            return out
        return process

    yield run
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def worker(manage, backend="AppendingBackend", *, batch=True):
    """A `db_worker` process: with `batch`, it drains the queue and exits."""
    args = ["db_worker", "--interval", "0" if batch else "0.05", "--no-startup-delay", "--no-reload", "--skip-checks"]
    return manage(*args, *(["--batch"] if batch else []), backend=backend, wait=False)


def finished(process):
    out, err = process.communicate(timeout=25)
    assert process.returncode == 0, err
    return out


@postgres_only
def test_two_workers_send_each_of_200_queued_emails_exactly_once(manage, mail_log):
    emails = emails_queue(
        [
            email_build(to=f"person{n}@example.com", subject=f"Message {n}", body="Hello", language="en")
            for n in range(200)
        ]
    )
    # A sweeper running meanwhile gives emails a second task: give each one, so both workers race for every row.
    for email in emails:
        email_send.enqueue(email.pk)
    first, second = worker(manage), worker(manage)
    finished(first), finished(second)

    sends = Counter(sent_lines(mail_log))
    assert sends == Counter({f"person{n}@example.com\tMessage {n}": 1 for n in range(200)})
    assert set(OutgoingEmail.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}
    workers = {worker_id for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for worker_id in ids}
    assert len(workers) == 2, "both workers took tasks"
    assert not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists()


@postgres_only
def test_a_worker_killed_mid_send_leaves_its_email_sending_and_the_sweeper_hands_it_back(manage, mail_log, tmp_path):
    (tmp_path / "block").touch()
    email = email_queue(to="oncall@acme.example", subject="Down", body="It is down.", language="en")
    stuck = worker(manage, "BlockingBackend", batch=False)
    wait_for(lambda: OutgoingEmail.objects.filter(pk=email.pk, status=Status.SENDING).exists(), what="the claim")
    stuck.send_signal(signal.SIGKILL)
    stuck.wait(timeout=10)
    (tmp_path / "block").unlink()

    email.refresh_from_db()
    assert (email.status, email.attempts, sent_lines(mail_log)) == (Status.SENDING, 1, [])
    # The worker that claimed it a moment ago may still be sending: the sweeper leaves it alone...
    assert "handed back to the worker: 0." in manage("sweep")
    # ...until STUCK_AFTER has passed since the claim.
    OutgoingEmail.objects.filter(pk=email.pk).update(claimed_at=F("claimed_at") - STUCK_AFTER - timedelta(seconds=1))
    assert "handed back to the worker: 1." in manage("sweep")
    finished(worker(manage))

    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.SENT, 2)
    assert sent_lines(mail_log) == ["oncall@acme.example\tDown"]


@postgres_only
def test_a_mail_server_refusing_connections_gets_five_attempts_on_the_retry_schedule_then_the_email_fails(manage):
    email = email_queue(to="dev@acme.example", subject="Deploy", body="Tonight.", language="en")
    worker(manage, "RefusingBackend", batch=False)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        wait_for(
            lambda attempt=attempt: OutgoingEmail.objects.filter(
                pk=email.pk, attempts=attempt, status__in=[Status.QUEUED, Status.FAILED]
            ).exists(),
            what=f"attempt {attempt}",
        )
        email.refresh_from_db()
        assert "ConnectionRefusedError" in email.last_error
        if attempt == MAX_ATTEMPTS:
            break
        assert email.status == Status.QUEUED
        delay = RETRY_DELAYS[attempt - 1]
        assert delay <= email.next_attempt_at - email.claimed_at < delay + timedelta(seconds=5)
        # The row is queued again first, then the retry's task is enqueued, to run when the email is due.
        retries = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        wait_for(retries.exists, what=f"the task of attempt {attempt + 1}")
        retry = retries.get()
        assert (retry.task_path, retry.args_kwargs["args"]) == ("accounts.outbox.email_send", [email.pk])
        # Due by the database's clock, run by the worker's: the same moment, give or take the clocks' drift.
        assert abs(retry.run_after - email.next_attempt_at) < timedelta(seconds=5)
        # Time travel: the delay has passed (the email first, so the task never runs before it is due).
        with transaction.atomic():
            OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=F("next_attempt_at") - delay)
            DBTaskResult.objects.filter(pk=retry.pk).update(run_after=F("run_after") - delay)

    assert email.status == Status.FAILED
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists(), "no sixth attempt"
    assert OutgoingEmail.objects.count() == 1, "the failed email stays, for an operator to retry"


# --- What the reliability review found, in-process on both databases -----------------------------------------
# The sweeper resumes a stuck broadcast as well as stuck emails; a fan-out batch run twice notifies once; and a
# handed-back email is due by the database's clock, whatever the sweeper's.


@pytest.fixture
def run_worker(transactional_db, database_queue):
    def run():
        call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", verbosity=0)

    return run


@pytest.fixture
def three_partners(transactional_db, monkeypatch):
    monkeypatch.setattr(services, "BROADCAST_BATCH", 2)
    partners = [make_partner() for _ in range(3)]
    for partner in partners:
        complete_contacts(partner)
    return partners


def test_a_broadcast_whose_worker_was_killed_mid_batch_is_resumed_by_the_sweeper(three_partners, run_worker):
    broadcast = services.broadcast_create(
        kind=NotificationKind.ANNOUNCEMENT, subject="Maintenance", body="Sunday.", operator=None
    )
    # What SIGKILL an hour ago leaves behind: the batch's transaction rolled back, its task running forever, and
    # the broadcast unmoved since.
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING, worker_ids=["killed"], started_at=timezone.now() - timedelta(hours=1)
    )
    Broadcast.objects.filter(pk=broadcast.pk).update(created_at=timezone.now() - timedelta(hours=1))
    call_command("sweep", stdout=StringIO())
    run_worker()
    broadcast.refresh_from_db()
    assert broadcast.finished_at is not None
    assert Notification.objects.filter(broadcast=broadcast).count() == 3


def test_a_fan_out_batch_run_twice_notifies_each_partner_once(three_partners):
    broadcast = Broadcast.objects.create(kind=NotificationKind.ANNOUNCEMENT, subject="Maintenance", body="Sunday.")
    services.broadcast_fan_out.call(broadcast.pk, 0)  # the whole chain, inline
    services.broadcast_fan_out.call(broadcast.pk, 0)  # resumed by a sweeper, or a task delivered twice
    assert Notification.objects.filter(broadcast=broadcast).count() == 3


def test_an_email_handed_back_by_a_sweeper_whose_clock_is_a_minute_ahead_is_sent(run_worker):
    email = email_queue(to="oncall@acme.example", subject="Down", body="It is down.", language="en")
    # A worker claimed it and was killed long ago: its task runs forever, the email stays sending.
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING, worker_ids=["killed"])
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=Status.SENDING, attempts=1, claimed_at=timezone.now() - STUCK_AFTER - timedelta(minutes=1)
    )
    # The sweeper runs on another machine, a minute ahead of the worker's (or a test passes `now`).
    assert outbox_sweep(now=timezone.now() + timedelta(minutes=1)) == 1
    run_worker()
    email.refresh_from_db()
    assert email.status == Status.SENT
