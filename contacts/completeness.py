"""What a partner's contact information still lacks: one pure function, used by everyone."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

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
