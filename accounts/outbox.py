"""Every email the portal sends goes through this outbox: rendered in the reader's language, stored, then sent by
a task per email that retries with back-off. The OutgoingEmail row is the state machine, not the task: Django's
task framework has no retries, and a task left running by a killed worker is never picked up again, so the
sweeper (`outbox_sweep`, run every minute by `manage.py sweep`) gives stuck and lost emails a new task.
"""

import logging
from datetime import timedelta

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task, task_backends
from django.tasks.base import TaskResultStatus
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from accounts.models import OutgoingEmail

logger = logging.getLogger(__name__)

Status = OutgoingEmail.Status

# After a failed attempt, the next one waits this long: five attempts over about an hour, then the email fails.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=40))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A send takes seconds (the SMTP timeout is 10 s): one claimed longer ago than this was left by a killed worker.
STUCK_AFTER = timedelta(minutes=5)
# A queued email due this long ago whose task no longer waits in the queue gets a new one (its task was lost).
OVERDUE_AFTER = timedelta(minutes=10)
SWEEP_LIMIT = 1000
ERASED_BODY = "(erased after delivery: it carried a one-time link)"


def queue_in_this_database():
    """Whether the task queue keeps its tasks in this database (django-tasks-db, the default)."""
    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


def enqueue_with_transaction(enqueue):
    """Call `enqueue` so that its tasks exist exactly when the rows they are about do.

    With the queue in this database, at once: the task rows commit or roll back with the caller's transaction,
    so no crash between the two can lose a task, and no worker sees one before its rows. With another backend
    (the immediate one, in tests), once the transaction commits.
    """
    if queue_in_this_database():
        enqueue()
    else:
        transaction.on_commit(enqueue)


def email_render(template, context, language):
    """Subject and plain-text body of `template` (`<template>_subject.txt`, `<template>_message.txt`) in a language.

    The templates say `{% autoescape off %}`: plain text is never HTML-escaped. The subject is one line whatever the
    context holds, since a header may not contain line breaks.
    """
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_message.txt", context)
    return subject, body


def email_build(
    *, to, subject, body, language, priority=OutgoingEmail.Priority.NORMAL, one_time_link=False, reply_to=""
):
    """An unsaved email, for `emails_queue`."""
    return OutgoingEmail(
        to=to,
        subject=subject[:255],
        body=body,
        language=language,
        priority=priority,
        one_time_link=one_time_link,
        reply_to=reply_to,
    )


def email_queue(**fields):
    """Queue one email (see `email_build` for the fields); it is sent once the caller's transaction commits."""
    return emails_queue([email_build(**fields)])[0]


def emails_queue(emails):
    """Store unsaved emails in one query and hand them to the worker with one task per priority."""
    emails = OutgoingEmail.objects.bulk_create(emails)
    _schedule([(email.pk, email.priority) for email in emails])
    return emails


def _schedule(pairs):
    """Hand (email id, priority) pairs to the worker, with the caller's transaction."""
    by_priority = {}
    for pk, priority in pairs:
        by_priority.setdefault(priority, []).append(pk)
    for priority, ids in by_priority.items():
        enqueue_with_transaction(lambda ids=ids, priority=priority: _dispatch(ids, priority))


def _dispatch(ids, priority):
    if len(ids) == 1:
        _enqueue_send(ids[0], priority)
    else:
        emails_dispatch.using(priority=priority).enqueue(ids, priority)


def _enqueue_send(pk, priority, run_after=None):
    """A sending task for one email, remembered on the email so the sweeper knows it is waiting."""
    result = email_send.using(priority=priority, run_after=run_after).enqueue(pk)
    OutgoingEmail.objects.filter(pk=pk).update(task_id=str(result.id))


@task
def emails_dispatch(ids, priority):
    """Give each email its own sending task, at the priority of the batch."""
    for pk in ids:
        _enqueue_send(pk, priority)


@task
def email_send(email_id):
    """Send one email if it is due and nobody else is sending it; on failure, schedule the next attempt."""
    # Claim it: of two workers given the same email, exactly one changes the row. A first attempt is always due;
    # a retry is due by the database's clock, which every worker and sweeper share (as is the claim's time).
    claimed = (
        OutgoingEmail.objects.filter(pk=email_id, status=Status.QUEUED)
        .filter(Q(attempts=0) | Q(next_attempt_at__lte=Now()))
        .update(status=Status.SENDING, claimed_at=Now(), attempts=F("attempts") + 1)
    )
    if not claimed:
        return "not due"
    email = OutgoingEmail.objects.get(pk=email_id)
    # This worker's claim is this attempt: if a sweeper took the email back meanwhile (this send hung) and another
    # worker claimed it, the updates below match nothing and leave the other worker's attempt alone.
    mine = OutgoingEmail.objects.filter(pk=email.pk, status=Status.SENDING, attempts=email.attempts)
    reply_to = [email.reply_to] if email.reply_to else None
    try:
        EmailMessage(email.subject, email.body, to=[email.to], reply_to=reply_to).send()
    except Exception as error:  # the mail server, the network or the backend: each is one failed attempt
        return _attempt_failed(email, mine, error)
    mine.update(status=Status.SENT, sent_at=timezone.now(), last_error="", **_erased(email))
    return "sent"


def _erased(email):
    """The update that erases a body carrying a secret link, once the outbox no longer needs it."""
    return {"body": ERASED_BODY} if email.one_time_link else {}


def _attempt_failed(email, mine, error):
    logger.warning("Email %s to %s: attempt %s failed: %r", email.pk, email.to, email.attempts, error)
    last_error = repr(error)[:2000]
    if email.attempts >= MAX_ATTEMPTS:
        mine.update(status=Status.FAILED, last_error=last_error, **_erased(email))
        return "failed"
    delay = RETRY_DELAYS[email.attempts - 1]
    mine.update(status=Status.QUEUED, next_attempt_at=Now() + delay, last_error=last_error)
    if task_backends[DEFAULT_TASK_BACKEND_ALIAS].supports_defer:
        # The worker runs it by its own clock, which may lag the database's: a run that comes early finds the
        # email not due, and the sweeper hands it back.
        _enqueue_send(email.pk, email.priority, run_after=timezone.now() + delay)
    # A backend that cannot defer (the immediate one, in tests) leaves the next attempt to the sweeper.
    return "retrying"


def _waiting_in_the_queue(task_ids):
    """Of these task ids, those still waiting in the queue (only django-tasks-db can say; others wait for none)."""
    if not queue_in_this_database():
        return set()
    waiting = DBTaskResult.objects.filter(id__in=[i for i in task_ids if i], status=TaskResultStatus.READY)
    return {str(pk) for pk in waiting.values_list("id", flat=True)}


@transaction.atomic
def outbox_sweep(now=None):
    """Hand back to the worker the emails a killed worker left in *sending*, and queued emails whose task was lost.

    Returns how many emails were handed back. Safe to run often and from several machines: a duplicate task finds
    the email already claimed and does nothing, and a queued email whose task still waits in a long queue is left
    to it.
    """
    now = now or Now()  # the database's clock, as the claims are timed; tests pass a later moment
    stuck = Q(status=Status.SENDING, claimed_at__lt=now - STUCK_AFTER)
    # A stuck email that had used its last attempt fails, straight from sending: it is never sent a sixth time.
    spent = OutgoingEmail.objects.filter(stuck, attempts__gte=MAX_ATTEMPTS)
    failure = {"status": Status.FAILED, "last_error": "The worker stopped while sending the last attempt."}
    spent.filter(one_time_link=True).update(**failure, body=ERASED_BODY)
    spent.update(**failure)
    overdue = Q(status=Status.QUEUED, next_attempt_at__lt=now - OVERDUE_AFTER)
    candidates = list(
        OutgoingEmail.objects.filter(stuck | overdue)
        .order_by("-priority", "next_attempt_at")
        .values_list("pk", "priority", "status", "task_id")[:SWEEP_LIMIT]
    )
    waiting = _waiting_in_the_queue([task_id for *_rest, status, task_id in candidates if status == Status.QUEUED])
    due = [(pk, priority) for pk, priority, status, task_id in candidates if task_id not in waiting]
    ids = [pk for pk, _priority in due]
    # Due now by the database's clock; the conditions keep an email sent meanwhile as it is.
    OutgoingEmail.objects.filter(stuck, pk__in=ids).update(status=Status.QUEUED, next_attempt_at=Now())
    OutgoingEmail.objects.filter(overdue, pk__in=ids).update(next_attempt_at=Now())
    _schedule(due)
    return len(due)


@transaction.atomic
def email_retry(email, *, subject=None, body=None):
    """Operators send a failed email again: a fresh round of attempts, starting now.

    An email that carried a secret link was erased: only its own flow can send it again, written anew with a new
    link (`subject` and `body`); an invitation is resent instead.
    """
    failed = OutgoingEmail.objects.filter(pk=email.pk, status=Status.FAILED)
    rewritten = {"subject": subject[:255], "body": body} if body is not None else {}
    if not rewritten:
        failed = failed.filter(one_time_link=False)
    retried = failed.update(status=Status.QUEUED, attempts=0, next_attempt_at=Now(), last_error="", **rewritten)
    if retried:
        _schedule([(email.pk, email.priority)])
    return bool(retried)


def email_cancel(email_id):
    """Never send a queued email whose reason went away (a revoked or replaced invitation). Returns whether it was
    still queued; one being sent right now goes out."""
    erased = {"body": ERASED_BODY}
    return bool(
        OutgoingEmail.objects.filter(pk=email_id, status=Status.QUEUED).update(status=Status.CANCELLED, **erased)
    )
