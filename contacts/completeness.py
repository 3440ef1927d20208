"""What a partner's contact information still lacks: one pure function, used by everyone."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts import categories as c
from partners.environments import Environment
from partners.integrations import get_integration


@dataclass(frozen=True)
class Requirement:
    """A missing piece of contact information, with a stable code and a message for people."""

    code: str
    category: str
    message: str


REQUIREMENTS = {
    r.code: r
    for r in (
        Requirement("alert_contacts_required", c.ALERT.code, _("Choose at least one alert contact.")),
        Requirement(
            "technical_emergency_required",
            c.TECHNICAL_EMERGENCY.code,
            _("Add at least one technical emergency contact."),
        ),
        Requirement(
            "technical_non_emergency_required",
            c.TECHNICAL_NON_EMERGENCY.code,
            _("Add at least one technical non-emergency contact."),
        ),
        Requirement(
            "merchant_issues_required",
            c.MERCHANT_ISSUES.code,
            _("Add at least one operational contact for merchant issues."),
        ),
        Requirement("operator_required", c.OPERATOR.code, _("Add at least one operational contact for the operator.")),
        Requirement("shared_required", c.SHARED.code, _("Add the operational contact shared with users.")),
        Requirement(
            "support_hours_required",
            c.SUPPORT_HOURS.code,
            _("Add at least one support window, or choose 24/7."),
        ),
    )
}


@dataclass(frozen=True)
class ContactCounts:
    """How many entries each category holds: all completeness needs to know."""

    alert: int = 0
    technical_emergency: int = 0
    technical_non_emergency: int = 0
    merchant_issues: int = 0
    operator: int = 0
    shared: int = 0
    support_windows: int = 0
    support_24_7: bool = False

    @classmethod
    def from_mapping(cls, counts: Mapping[str, int], **extra):
        """Build from a {category: count} mapping, ignoring unknown keys."""
        known = {k: v for k, v in counts.items() if k in cls.__dataclass_fields__}
        return cls(**known, **extra)


def missing_requirements(counts: ContactCounts, *, integration, environment) -> list[Requirement]:
    """Return what is still missing, in page order, for an integration kind and an environment."""
    needed = []
    if Environment(environment).has_alert_contacts and counts.alert < 1:
        needed.append("alert_contacts_required")
    if counts.technical_emergency < 1:
        needed.append("technical_emergency_required")
    if counts.technical_non_emergency < 1:
        needed.append("technical_non_emergency_required")
    if integration.needs_merchant_contact and counts.merchant_issues < 1:
        needed.append("merchant_issues_required")
    if counts.operator < 1:
        needed.append("operator_required")
    if counts.shared != 1:
        needed.append("shared_required")
    if not counts.support_24_7 and counts.support_windows < 1:
        needed.append("support_hours_required")
    return [REQUIREMENTS[code] for code in needed]


def missing_codes(counts: ContactCounts, *, integration, environment) -> list[str]:
    """The codes of `missing_requirements`, as stored on the partner."""
    return [r.code for r in missing_requirements(counts, integration=integration, environment=environment)]


REQUIRED, REQUIRED_IN_PRODUCTION, OPTIONAL = "required", "required_in_production", "optional"


def category_requirement(category, *, integration) -> str:
    """Whether a category (its code) must be filled in every environment, only in Production, or never.

    Read from `missing_requirements` of an empty contact information, so the markers on the page can
    never say anything the rules do not.
    """
    return _category_requirement(category, integration.code)


@cache  # rules live in code: one answer per category and integration kind, for every page that draws a marker
def _category_requirement(category, integration_code):
    integration = get_integration(integration_code)
    empty = ContactCounts()
    needed = {
        environment: {r.category for r in missing_requirements(empty, integration=integration, environment=environment)}
        for environment in Environment
    }
    if all(category in categories for categories in needed.values()):
        return REQUIRED
    if category in needed[Environment.PRODUCTION]:
        return REQUIRED_IN_PRODUCTION
    return OPTIONAL


# The codes of what completeness finds missing (the gate's `missing`), before the requirements below join them.
MISSING_CODES = frozenset(REQUIREMENTS)

# --- Requirements with states and deadlines (Stripe's names): what blocks now, what is due by a date, what later ---

# The yearly review: counted in days from the last save or "Still correct".
REVIEW_EVENTUALLY_DUE_DAY, REVIEW_CURRENTLY_DUE_DAY, REVIEW_DEADLINE_DAY = 335, 365, 395
# A requirement that arrives for a partner already live (or one it stopped meeting) blocks only after this.
GRACE_PERIOD = timedelta(days=30)

REVIEW = "contacts_review_required"
VERIFIED_TECHNICAL_EMERGENCY = "technical_emergency_verified_required"
VERIFIED_SHARED = "shared_verified_required"

REQUIREMENTS.update(
    {
        r.code: r
        for r in (
            Requirement(
                REVIEW, "", _("Review the contact information: save a change, or confirm it is still correct.")
            ),
            Requirement(
                VERIFIED_TECHNICAL_EMERGENCY,
                c.TECHNICAL_EMERGENCY.code,
                _("Verify at least one technical emergency contact: they confirm their address from our email."),
            ),
            Requirement(
                VERIFIED_SHARED,
                c.SHARED.code,
                _("Verify the operational contact shared with users: it confirms its address from our email."),
            ),
        )
    }
)
# Requirements that never lock a live partner overnight: a launched partner that stops meeting one (or meets it
# for the first time when operators introduce it) is given GRACE_PERIOD; before launch they only hold the launch.
DUE_LATER = (VERIFIED_TECHNICAL_EMERGENCY, VERIFIED_SHARED)
# Requirements whose deadline, once given, is stored on the partner and kept while they are unmet.
GIVEN_DEADLINES = (*DUE_LATER, REVIEW)


@dataclass(frozen=True)
class TrustFacts:
    """Everything the requirements depend on beyond the counts: verification, review, launch, deadlines given."""

    counts: ContactCounts = ContactCounts()
    verified_technical_emergency: int = 0
    verified_shared: int = 0
    # The last save or "Still correct"; None until the contact information was first saved.
    reviewed_at: datetime | None = None
    launched: bool = False
    # Deadlines already given to due-later requirements (code → aware datetime), as stored on the partner.
    deadlines: Mapping[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class RequirementsAnswer:
    """Requirements of one environment by state, as Stripe names them, with when time alone will change them."""

    missing: tuple[str, ...] = ()  # what completeness says is missing (all of it past due)
    past_due: tuple[str, ...] = ()  # blocks: the gate sends members to the modal
    currently_due: tuple[str, ...] = ()  # a banner on every page, until its deadline
    eventually_due: tuple[str, ...] = ()  # on the dashboard checklist only
    deadlines: Mapping[str, datetime] = field(default_factory=dict)  # of currently due requirements (and given)
    changes_at: datetime | None = None  # the next moment the answer changes with no change of facts

    @property
    def current_deadline(self):
        """The earliest deadline of what is currently due, or None."""
        return min((self.deadlines[code] for code in self.currently_due), default=None)

    def as_json(self):
        """The answer under Stripe's names, beside `missing`, as the gate and the API show it."""
        deadline = self.current_deadline
        return {
            "missing": list(self.missing),
            "past_due": list(self.past_due),
            "currently_due": list(self.currently_due),
            "eventually_due": list(self.eventually_due),
            "current_deadline": deadline.isoformat() if deadline else None,
        }


def _verification_unmet(facts, environment):
    """Due-later verification codes the facts do not meet (Production only; a missing category is missing, not
    unverified)."""
    if not Environment(environment).has_alert_contacts:  # Production: where emergencies and users are real
        return []
    unmet = []
    if facts.counts.technical_emergency and facts.verified_technical_emergency < 1:
        unmet.append(VERIFIED_TECHNICAL_EMERGENCY)
    if facts.counts.shared and facts.verified_shared < 1:
        unmet.append(VERIFIED_SHARED)
    return unmet


def requirements(facts: TrustFacts, *, integration, environment, now) -> RequirementsAnswer:
    """Every requirement of one environment, by state, at `now`. Pure: the gate reads what this stored.

    - What completeness finds missing is past due at once: onboarding is unchanged.
    - The yearly review is eventually due from day 335 after the last review, currently due from day 365 with its
      deadline on day 395 (or GRACE_PERIOD after it was first found due, if later), past due after it.
    - Verification before launch is eventually due (it holds the launch, never the first completion); once launched,
      an unmet one gets a deadline GRACE_PERIOD away (kept in `deadlines` for the partner to store) and is currently
      due until then, past due after.
    """
    missing = missing_codes(facts.counts, integration=integration, environment=environment)
    past_due, currently_due, eventually_due = list(missing), [], []
    deadlines, changes = {}, []

    def due_by(code, deadline):
        """A requirement with a deadline (kept while unmet): currently due until it passes, past due after."""
        deadlines[code] = deadline
        if now >= deadline:
            past_due.append(code)
        else:
            currently_due.append(code)
            changes.append(deadline)

    if facts.reviewed_at is not None:
        eventually_at = facts.reviewed_at + timedelta(days=REVIEW_EVENTUALLY_DUE_DAY)
        currently_at = facts.reviewed_at + timedelta(days=REVIEW_CURRENTLY_DUE_DAY)
        deadline = facts.reviewed_at + timedelta(days=REVIEW_DEADLINE_DAY)
        if now >= currently_at:
            # Kept once given, and never sooner than GRACE_PERIOD after it was first due: a review older than this
            # rule, or a daily run that was missed, gives notice rather than locking a live partner overnight.
            due_by(REVIEW, facts.deadlines.get(REVIEW) or max(deadline, now + GRACE_PERIOD))
        elif now >= eventually_at:
            eventually_due.append(REVIEW)
            changes.append(currently_at)
        else:
            changes.append(eventually_at)
    for code in _verification_unmet(facts, environment):
        if not facts.launched:
            eventually_due.append(code)
            continue
        due_by(code, facts.deadlines.get(code) or now + GRACE_PERIOD)
    return RequirementsAnswer(
        missing=tuple(missing),
        past_due=tuple(past_due),
        currently_due=tuple(currently_due),
        eventually_due=tuple(eventually_due),
        deadlines=deadlines,
        changes_at=min(changes, default=None),
    )


def stored_answer(partner, environment, now=None) -> RequirementsAnswer:
    """The answer stored on the partner for an environment, at `now`: what the gate reads, without a query."""
    now = now or timezone.now()
    past_due = tuple(partner.missing_contacts(environment, now))
    currently_due, _deadline = partner.currently_due(environment, now)
    stored = partner.due(environment).get("deadlines", {})
    return RequirementsAnswer(
        missing=tuple(code for code in past_due if code in MISSING_CODES),
        past_due=past_due,
        currently_due=currently_due,
        eventually_due=partner.eventually_due(environment),
        deadlines={code: datetime.fromisoformat(stored[code]) for code in currently_due},
    )
