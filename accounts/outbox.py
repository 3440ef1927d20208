"""Every email the portal sends goes through this outbox: rendered in the reader's language, stored, then sent by
a task per email that retries with back-off. The OutgoingEmail row is the state machine, not the task: Django's
task framework has no retries, and a task left running by a killed worker is never picked up again, so the
sweeper (`outbox_sweep`, run every minute by `manage.py sweep`) gives stuck and overdue emails a new task.
"""

import logging
from datetime import timedelta

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.tasks import default_task_backend, task
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import OutgoingEmail

logger = logging.getLogger(__name__)

Status = OutgoingEmail.Status

# After a failed attempt, the next one waits this long: five attempts over about an hour, then the email fails.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=40))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A send takes seconds (the SMTP timeout is 10 s): one claimed longer ago than this was left by a killed worker.
STUCK_AFTER = timedelta(minutes=5)
# A queued email whose task should have run this long ago gets a new one (its task was lost).
OVERDUE_AFTER = timedelta(minutes=10)
SWEEP_LIMIT = 1000
ERASED_BODY = "(erased after delivery: it carried a one-time link)"


def email_render(template, context, language):
    """Subject and plain-text body of `template` (`<template>_subject.txt`, `<template>_message.txt`) in a language.

    The templates say `{% autoescape off %}`: plain text is never HTML-escaped. The subject is one line whatever the
    context holds, since a header may not contain line breaks.
    """
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_message.txt", context)
    return subject, body


def email_build(*, to, subject, body, language, priority=OutgoingEmail.Priority.NORMAL, one_time_link=False):
    """An unsaved email, for `emails_queue`."""
    return OutgoingEmail(
        to=to, subject=subject[:255], body=body, language=language, priority=priority, one_time_link=one_time_link
    )


def email_queue(**fields):
    """Queue one email (see `email_build` for the fields); it is sent once the caller's transaction commits."""
    return emails_queue([email_build(**fields)])[0]


def emails_queue(emails):
    """Store unsaved emails in one query and hand them to the worker once the transaction commits (one task)."""
    emails = OutgoingEmail.objects.bulk_create(emails)
    by_priority = {}
    for email in emails:
        by_priority.setdefault(email.priority, []).append(email.pk)
    for priority, ids in by_priority.items():
        transaction.on_commit(lambda ids=ids, priority=priority: _dispatch(ids, priority))
    return emails


def _dispatch(ids, priority):
    if len(ids) == 1:
        email_send.using(priority=priority).enqueue(ids[0])
    else:
        emails_dispatch.using(priority=priority).enqueue(ids, priority)


@task
def emails_dispatch(ids, priority):
    """Give each email its own sending task, at the priority of the batch."""
    for pk in ids:
        email_send.using(priority=priority).enqueue(pk)


@task
def email_send(email_id):
    """Send one email if it is due and nobody else is sending it; on failure, schedule the next attempt."""
    now = timezone.now()
    # Claim it: of two workers given the same email, exactly one changes the row.
    claimed = OutgoingEmail.objects.filter(pk=email_id, status=Status.QUEUED, next_attempt_at__lte=now).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "not due"
    email = OutgoingEmail.objects.get(pk=email_id)
    try:
        EmailMessage(email.subject, email.body, to=[email.to]).send()
    except Exception as error:  # the mail server, the network or the backend: each is one failed attempt
        return _attempt_failed(email, error)
    done = {"status": Status.SENT, "sent_at": timezone.now(), "last_error": ""}
    if email.one_time_link:
        done["body"] = ERASED_BODY
    OutgoingEmail.objects.filter(pk=email.pk, status=Status.SENDING).update(**done)
    return "sent"


def _attempt_failed(email, error):
    logger.warning("Email %s to %s: attempt %s failed: %r", email.pk, email.to, email.attempts, error)
    update = {"last_error": repr(error)[:2000]}
    if email.attempts >= MAX_ATTEMPTS:
        update["status"] = Status.FAILED
        if email.one_time_link:
            update["body"] = ERASED_BODY
        OutgoingEmail.objects.filter(pk=email.pk, status=Status.SENDING).update(**update)
        return "failed"
    next_attempt_at = timezone.now() + RETRY_DELAYS[email.attempts - 1]
    update.update(status=Status.QUEUED, next_attempt_at=next_attempt_at)
    OutgoingEmail.objects.filter(pk=email.pk, status=Status.SENDING).update(**update)
    if default_task_backend.supports_defer:
        email_send.using(priority=email.priority, run_after=next_attempt_at).enqueue(email.pk)
    # A backend that cannot defer (the immediate one, in tests) leaves the next attempt to the sweeper.
    return "retrying"


def outbox_sweep(now=None):
    """Give a new task to emails a killed worker left in *sending* and to queued emails whose task was lost.

    Returns how many emails were handed back to the worker. Safe to run often and from several machines:
    a duplicate task finds the email already claimed and does nothing.
    """
    now = now or timezone.now()
    stuck = Q(status=Status.SENDING, claimed_at__lt=now - STUCK_AFTER)
    overdue = Q(status=Status.QUEUED, next_attempt_at__lt=now - OVERDUE_AFTER)
    due = list(
        OutgoingEmail.objects.filter(stuck | overdue)
        .order_by("-priority", "next_attempt_at")
        .values_list("pk", "priority", "status")[:SWEEP_LIMIT]
    )
    if not due:
        return 0
    # Back to queued, due now; the condition keeps an email that was sent meanwhile as it is.
    OutgoingEmail.objects.filter(stuck, pk__in=[pk for pk, _p, status in due if status == Status.SENDING]).update(
        status=Status.QUEUED, next_attempt_at=now
    )
    OutgoingEmail.objects.filter(overdue, pk__in=[pk for pk, _p, status in due if status == Status.QUEUED]).update(
        next_attempt_at=now
    )
    # A stuck email that had used its last attempt fails rather than being sent a sixth time.
    OutgoingEmail.objects.filter(
        pk__in=[pk for pk, *_ in due], status=Status.QUEUED, attempts__gte=MAX_ATTEMPTS
    ).update(status=Status.FAILED, last_error="The worker stopped while sending the last attempt.")
    with transaction.atomic():
        by_priority = {}
        for pk, priority, _status in due:
            by_priority.setdefault(priority, []).append(pk)
        for priority, ids in by_priority.items():
            transaction.on_commit(lambda ids=ids, priority=priority: _dispatch(ids, priority))
    return len(due)


def email_retry(email):
    """Operators send a failed email again: a fresh round of attempts, starting now.

    An email that carried a one-time link was erased: it is sent anew by its own flow (resend the invitation).
    """
    with transaction.atomic():
        retried = OutgoingEmail.objects.filter(pk=email.pk, status=Status.FAILED, one_time_link=False).update(
            status=Status.QUEUED, attempts=0, next_attempt_at=timezone.now(), last_error=""
        )
        if retried:
            transaction.on_commit(lambda: _dispatch([email.pk], email.priority))
    return bool(retried)
