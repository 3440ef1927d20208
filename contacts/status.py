"""The stored requirements answer: computed afresh from the contact information and kept on the partner for the gate.

Below contacts.services and contacts.verification, which both change what it depends on.
"""

from collections import Counter
from datetime import datetime

from django.utils import timezone

from accounts.identity import canonical_email
from contacts.categories import SHARED, TECHNICAL_EMERGENCY
from contacts.completeness import GIVEN_DEADLINES, TrustFacts, requirements
from contacts.models import AddressVerification, ContactInformation
from contacts.warnings import warnings_data, warnings_for
from partners.environments import Environment


def contact_information_for(partner):
    """The partner's contact information, created empty on first use."""
    info, _created = ContactInformation.objects.get_or_create(partner=partner)
    info.partner = partner  # already loaded by the caller: spare the query
    return info


def trust_facts(partner, info):
    """What the requirements depend on, read afresh: the counts (three queries), verification (two), the review."""
    verified = set(
        AddressVerification.objects.filter(partner=partner, verified_at__isnull=False).values_list("address", flat=True)
    )
    checked = Counter(
        category
        for category, email in info.contacts.filter(category__in=[TECHNICAL_EMERGENCY.code, SHARED.code]).values_list(
            "category", "email"
        )
        if canonical_email(email) in verified
    )
    reviews = [moment for moment in (info.updated_at, info.reviewed_at) if moment is not None]
    return TrustFacts(
        counts=info.counts(),
        verified_technical_emergency=checked[TECHNICAL_EMERGENCY.code],
        verified_shared=checked[SHARED.code],
        reviewed_at=max(reviews, default=None),
        launched=partner.launched_at is not None,
        deadlines={code: datetime.fromisoformat(moment) for code, moment in partner.requirement_deadlines.items()},
    )


def computed_requirements(partner, info=None, now=None):
    """The requirements of each environment, computed afresh: {environment: RequirementsAnswer}."""
    info = info or contact_information_for(partner)
    facts = trust_facts(partner, info)
    now = now or timezone.now()
    return {
        environment: requirements(facts, integration=partner.integration_kind, environment=environment, now=now)
        for environment in Environment
    }


def computed_status(partner, info=None, now=None):
    """What blocks in each environment, computed afresh: (sandbox, production) past-due codes."""
    answers = computed_requirements(partner, info, now)
    return list(answers[Environment.SANDBOX].past_due), list(answers[Environment.PRODUCTION].past_due)


def _due_later(answer):
    """What the partner stores of an answer beside its past-due codes."""
    return {
        "currently_due": list(answer.currently_due),
        "eventually_due": list(answer.eventually_due),
        "deadlines": {code: answer.deadlines[code].isoformat() for code in answer.currently_due},
    }


def contact_status_refresh(*, partner, info=None, now=None):
    """Recompute every requirement in each environment and store the answer on the partner, for the gate to read.

    Returns whether what blocks (the past-due codes) changed.
    """
    info = info or contact_information_for(partner)
    answers = computed_requirements(partner, info, now)
    sandbox, production = answers[Environment.SANDBOX], answers[Environment.PRODUCTION]
    blocking = list(sandbox.past_due), list(production.past_due)
    changed = (partner.missing_sandbox, partner.missing_production) != blocking
    # Saved even when it looks unchanged: the partner in hand may predate a colleague's save.
    partner.missing_sandbox, partner.missing_production = blocking
    partner.due_sandbox, partner.due_production = _due_later(sandbox), _due_later(production)
    # Deadlines given to due-later requirements are kept while they are unmet, and forgotten once met.
    partner.requirement_deadlines = {
        code: deadline.isoformat()
        for answer in answers.values()
        for code, deadline in answer.deadlines.items()
        if code in GIVEN_DEADLINES
    }
    partner.requirements_change_at = min(
        (answer.changes_at for answer in answers.values() if answer.changes_at), default=None
    )
    partner.quality_warnings = warnings_data(warnings_for(partner, info))
    partner.save(update_fields=[*STORED_ANSWER])
    return changed


# The partner's fields that hold the stored requirements answer.
STORED_ANSWER = (
    "missing_sandbox",
    "missing_production",
    "due_sandbox",
    "due_production",
    "requirement_deadlines",
    "requirements_change_at",
    "quality_warnings",
)
