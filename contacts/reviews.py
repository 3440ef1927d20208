"""The yearly review and every other deadline: what `manage.py contact_reviews` does once a day.

The gate reads the stored answer and the clock, so nothing waits for this to block on time; the command stores the
new answer of every partner whose answer changed with time alone (or whose deliveries failed, which the quality
warnings stored with it follow), and reminds the Admins of a review coming due.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import OutgoingEmail
from accounts.outbox import email_build, email_render, emails_queue
from contacts.completeness import REVIEW, REVIEW_CURRENTLY_DUE_DAY, REVIEW_DEADLINE_DAY, REVIEW_EVENTUALLY_DUE_DAY
from contacts.models import ContactInformation
from contacts.notifications.models import Delivery
from contacts.services import contact_information_for, contact_status_refresh
from partners.models import Partner
from partners.services import lock_partner

# Reminders of one review, in order: when it becomes eventually due (day 335), currently due (day 365), and a week
# before its deadline (day 388, or a week before the later deadline a review found overdue was given). Each goes
# once per review; a command that was not run for a while sends the latest.
REMINDER_STAGES = ("eventually_due", "currently_due", "deadline_soon")
DEADLINE_SOON = timedelta(days=7)


# The command runs daily: two days of failed deliveries cover a missed run.
FAILED_DELIVERIES_LOOKBACK = timedelta(days=2)


def reviewed_at(info):
    """The last review: a save or a "Still correct", whichever came last; None before the first save."""
    return max((moment for moment in (info.updated_at, info.reviewed_at) if moment), default=None)


def review_deadline(partner, base):
    """The review's deadline: the one given when it became due (kept on the partner), else day 395."""
    given = partner.requirement_deadlines.get(REVIEW)
    return datetime.fromisoformat(given) if given else base + timedelta(days=REVIEW_DEADLINE_DAY)


def review_reminder_due(partner, info, now):
    """The reminder to send now ("eventually_due", "currently_due" or "deadline_soon"), or None."""
    base = reviewed_at(info)
    if base is None:
        return None  # never saved: the modal asks for all of it
    deadline = review_deadline(partner, base)
    if now >= deadline:
        return None  # past due: the modal asks for the review
    reached = [
        stage
        for stage, moment in (
            ("eventually_due", base + timedelta(days=REVIEW_EVENTUALLY_DUE_DAY)),
            ("currently_due", base + timedelta(days=REVIEW_CURRENTLY_DUE_DAY)),
            ("deadline_soon", deadline - DEADLINE_SOON),
        )
        if now >= moment
    ]
    if not reached:
        return None
    sent = partner.review_reminders if partner.review_reminders.get("base") == base.isoformat() else {}
    return None if reached[-1] in sent.get("sent", ()) else reached[-1]


def review_reminder_send(*, partner, info, stage):
    """Email the partner's Admins, each in their language, that the review is coming due; record it as sent."""
    base = reviewed_at(info)
    deadline = review_deadline(partner, base) if stage != "eventually_due" else None
    context = {
        "partner": partner.name,
        "reviewed_at": base,
        "deadline": deadline,
        "link": f"{settings.PORTAL_BASE_URL}{reverse('contacts:settings')}",
    }
    emails = []
    for membership in partner.memberships.admins().select_related("user").order_by("user__email"):
        user = membership.user
        subject, body = email_render("contacts/email/review_reminder", context, user.language)
        emails.append(email_build(to=user.email, subject=subject, body=body, language=user.language))
    emails_queue(emails)
    sent = REMINDER_STAGES[: REMINDER_STAGES.index(stage) + 1]
    partner.review_reminders = {"base": base.isoformat(), "sent": list(sent)}
    partner.save(update_fields=["review_reminders"])
    return emails


def _candidates(now):
    """Ids of partners whose answer changed with time, or whose review may need a reminder."""
    earliest = now - timedelta(days=REVIEW_DEADLINE_DAY)
    latest = now - timedelta(days=REVIEW_EVENTUALLY_DUE_DAY)
    in_reminder_window = Q(updated_at__lte=latest, updated_at__gt=earliest) | Q(
        reviewed_at__lte=latest, reviewed_at__gt=earliest
    )
    reviews = ContactInformation.objects.filter(in_reminder_window).values_list("partner_id", flat=True)
    changed = Partner.objects.filter(requirements_change_at__lte=now).values_list("pk", flat=True)
    # A delivery that failed for good changes the quality warnings stored with the answer, and no save follows.
    failed = Delivery.objects.filter(
        email__status=OutgoingEmail.Status.FAILED, created_at__gte=now - FAILED_DELIVERIES_LOOKBACK
    ).values_list("notification__partner_id", flat=True)
    return sorted(set(changed) | set(reviews) | set(failed))


def contact_reviews_run(now=None):
    """Store the answer of every partner whose requirements moved with time, and send the review reminders due.

    Idempotent: a second run the same day changes nothing and sends nothing. Returns (checked, changed, reminded).
    """
    now = now or timezone.now()
    checked = changed = reminded = 0
    for partner_id in _candidates(now):
        with transaction.atomic():
            partner = lock_partner(partner_id)
            info = contact_information_for(partner)
            before = (partner.missing_sandbox, partner.missing_production, partner.due_sandbox, partner.due_production)
            contact_status_refresh(partner=partner, info=info, now=now)
            after = (partner.missing_sandbox, partner.missing_production, partner.due_sandbox, partner.due_production)
            changed += before != after
            stage = review_reminder_due(partner, info, now)
            if stage:
                review_reminder_send(partner=partner, info=info, stage=stage)
                reminded += 1
        checked += 1
    return checked, changed, reminded
