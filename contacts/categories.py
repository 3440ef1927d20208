"""The seven categories of contact information, in the order the page shows them."""

from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_CONTACTS_PER_CATEGORY = 10


class Kind(StrEnum):
    """How a category is filled in."""

    MEMBERS = "members"  # chosen among the partner's portal users
    CONTACTS = "contacts"  # a list of email / name / phone rows
    SHARED = "shared"  # exactly one public contact
    HOURS = "hours"  # support windows or 24/7


class ContactCategory(models.TextChoices):
    """Categories stored as Contact rows."""

    TECHNICAL_EMERGENCY = "technical_emergency", _("Technical emergency contacts")
    TECHNICAL_NON_EMERGENCY = "technical_non_emergency", _("Technical non-emergency contacts")
    MERCHANT_ISSUES = "merchant_issues", _("Operational contact for merchant issues")
    OPERATOR = "operator", _("Operational contact (for the operator)")
    SHARED = "shared", _("Operational contact (shared with users)")


@dataclass(frozen=True)
class Category:
    """One category of the contact information page."""

    code: str
    label: str
    help_text: str
    kind: Kind

    @property
    def anchor(self):
        """The id of the category's section on the page."""
        return f"category-{self.code}"


ALERT = Category(
    "alert",
    _("Alert contacts"),
    _(
        "Portal users who can troubleshoot non-urgent technical problems in production. "
        "They receive automated alert emails whenever problems are detected in production. "
        "Alert contacts can only be set in the Production environment."
    ),
    Kind.MEMBERS,
)
TECHNICAL_EMERGENCY = Category(
    ContactCategory.TECHNICAL_EMERGENCY,
    ContactCategory.TECHNICAL_EMERGENCY.label,
    _("Notified in an emergency, for example if the integration is disabled. A pager alias is recommended."),
    Kind.CONTACTS,
)
TECHNICAL_NON_EMERGENCY = Category(
    ContactCategory.TECHNICAL_NON_EMERGENCY,
    ContactCategory.TECHNICAL_NON_EMERGENCY.label,
    _("Ongoing technical support, for example during API migrations or when matching problems occur."),
    Kind.CONTACTS,
)
MERCHANT_ISSUES = Category(
    ContactCategory.MERCHANT_ISSUES,
    ContactCategory.MERCHANT_ISSUES.label,
    _(
        "Told about merchant issues, for example when a merchant asks to remove a partner "
        "it has no business relationship with."
    ),
    Kind.CONTACTS,
)
OPERATOR = Category(
    ContactCategory.OPERATOR,
    ContactCategory.OPERATOR.label,
    _(
        "Where we escalate user cases that need you, for example a booking that was not honoured. "
        "Only our operators see it; it is never given to users."
    ),
    Kind.CONTACTS,
)
SHARED = Category(
    ContactCategory.SHARED,
    ContactCategory.SHARED.label,
    _(
        "Given to users for refunds, cancellations or order changes: your brand's default support email alias. "
        "This contact is public."
    ),
    Kind.SHARED,
)
SUPPORT_HOURS = Category(
    "support_hours",
    _("Operational support hours"),
    _("When, and in which time zones, you offer operational support to users. Select all that apply."),
    Kind.HOURS,
)

CATEGORIES = (ALERT, TECHNICAL_EMERGENCY, TECHNICAL_NON_EMERGENCY, MERCHANT_ISSUES, OPERATOR, SHARED, SUPPORT_HOURS)
CATEGORIES_BY_CODE = {category.code: category for category in CATEGORIES}


def categories_for(integration):
    """The categories shown for an integration kind (merchant issues only where it applies)."""
    return [c for c in CATEGORIES if c is not MERCHANT_ISSUES or integration.needs_merchant_contact]


# "Same as technical emergency contacts": the categories often reached at the same addresses, and where from.
SAME_AS = {
    TECHNICAL_NON_EMERGENCY.code: TECHNICAL_EMERGENCY,
    MERCHANT_ISSUES.code: TECHNICAL_EMERGENCY,
    OPERATOR.code: TECHNICAL_EMERGENCY,
    SHARED.code: TECHNICAL_EMERGENCY,
}
SAME_AS_LABELS = {TECHNICAL_EMERGENCY.code: _("Same as technical emergency contacts")}
