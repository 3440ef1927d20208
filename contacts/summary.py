"""Settings › Contact information as a summary: what each category holds, whether it is complete, who changed it."""

from dataclasses import dataclass, field
from datetime import datetime, time

from django.utils.translation import gettext as _

from accounts.identity import canonical_email
from accounts.models import User
from contacts import history
from contacts.categories import Category, Kind, categories_for
from contacts.completeness import OPTIONAL, ContactCounts, Requirement, category_requirement, missing_requirements
from contacts.forms.base import REQUIREMENT_LABELS
from contacts.models import Contact, ContactInformation, SupportWindow
from contacts.services import contact_information_for
from contacts.warnings import warnings_in, warnings_stored
from partners.environments import Environment
from partners.models import Activity

# How many recent saves are read to find when each category last changed: one query, however long the history.
HISTORY_SCAN = 200


@dataclass(frozen=True)
class WindowSummary:
    """A support window in words: its days, times and time zone."""

    days: str
    start: time
    end: time
    overnight: bool
    time_zone: str


@dataclass
class SectionSummary:
    """One category as the summary shows it: what it holds, whether it is needed and complete, its last change."""

    category: Category
    need: str
    missing: list[Requirement]
    environment: Environment
    contacts: list[Contact] = field(default_factory=list)
    members: list[User] = field(default_factory=list)
    windows: list[WindowSummary] = field(default_factory=list)
    all_week: bool = False
    changed: Activity | None = None
    warnings: list = field(default_factory=list)  # quality warnings (contacts.warnings), never blocking

    @property
    def kind(self):
        """How the category is filled in (members, contacts, shared, hours), for the template."""
        return str(self.category.kind)

    @property
    def is_empty(self):
        """Whether the category holds nothing at all."""
        return not (self.contacts or self.members or self.windows or self.all_week)

    @property
    def is_complete(self):
        """Whether completeness finds nothing missing here, in the current environment."""
        return not self.missing

    @property
    def need_label(self):
        """'Required', 'Required in Production' or 'Optional'."""
        return REQUIREMENT_LABELS[self.need]

    @property
    def state(self):
        """'missing', 'complete' or 'empty' (nothing there, and nothing needed here), for styling."""
        if self.missing:
            return "missing"
        return "empty" if self.is_empty else "complete"

    @property
    def state_label(self):
        """The state in words, naming the environment it was judged for."""
        if self.missing:
            return _("Incomplete in %(environment)s") % {"environment": self.environment.label}
        if self.is_empty:
            if self.need == OPTIONAL:
                return _("Not set")
            return _("Not needed in %(environment)s") % {"environment": self.environment.label}
        return _("Complete in %(environment)s") % {"environment": self.environment.label}


@dataclass(frozen=True)
class Review:
    """The latest confirmation that the contact information is right: a "Still correct" review, or a save."""

    at: datetime
    by: User | None
    saved: bool


@dataclass
class ContactSummary:
    """The whole summary: one SectionSummary per category shown for the partner, and the last review."""

    info: ContactInformation
    sections: list[SectionSummary]
    review: Review | None
    support_windows: list[SupportWindow] = field(default_factory=list)  # as stored, for the week coverage grid

    @property
    def complete_count(self):
        """How many of the shown categories are complete in the current environment."""
        return sum(section.is_complete for section in self.sections)


def category_changed(activity, code):
    """Whether a recorded save changed the category `code`: its before and after snapshots differ."""
    before = activity.before if isinstance(activity.before, dict) else {}
    after = activity.after if isinstance(activity.after, dict) else {}
    return history.entries(code, before.get(code)) != history.entries(code, after.get(code))


def last_changes(partner, codes, *, limit=HISTORY_SCAN):
    """For each category code, the latest recorded save that changed it, among the latest `limit` saves.

    Saves record the whole contact information before and after (ContactInformation.as_dict), so a category
    changed in a save exactly when its two snapshots differ. One query.
    """
    found = {}
    saves = Activity.objects.filter(partner=partner, action=Activity.Action.CONTACTS_UPDATED).select_related("actor")
    for activity in saves[:limit]:
        for code in codes:
            if code not in found and category_changed(activity, code):
                found[code] = activity
        if len(found) == len(codes):
            break
    return found


def last_review(info):
    """The later of the last "Still correct" review and the last save, or None when neither happened."""
    candidates = [(info.reviewed_at, info.reviewed_by, False), (info.updated_at, info.updated_by, True)]
    dated = [candidate for candidate in candidates if candidate[0] is not None]
    if not dated:
        return None
    at, by, saved = max(dated, key=lambda candidate: candidate[0])
    return Review(at=at, by=by, saved=saved)


def contact_summary(*, partner, environment):
    """Build the summary of a partner's contact information for an environment, in a constant number of queries."""
    environment = Environment(environment)
    info = ContactInformation.objects.select_related("reviewed_by", "updated_by").filter(partner=partner).first()
    if info is None:
        info = contact_information_for(partner)
    info.partner = partner
    contacts = {}
    states = info.address_states  # every address's verification: one query
    for contact in info.contacts.all():
        contact.verification = states.get(canonical_email(contact.email))
        contacts.setdefault(contact.category, []).append(contact)
    members = list(info.alert_contacts.order_by("name", "email"))
    windows = list(info.support_windows.all())
    integration = partner.integration_kind
    # Completeness judges what is shown here, from the rows just read: the page never contradicts itself.
    counts = ContactCounts.from_mapping(
        {code: len(rows) for code, rows in contacts.items()},
        alert=len(members),
        support_windows=len(windows),
        support_24_7=info.support_24_7,
    )
    missing = missing_requirements(counts, integration=integration, environment=environment)
    shown = categories_for(integration)
    changes = last_changes(partner, [category.code for category in shown])
    stored_warnings = warnings_stored(partner)  # kept with the requirements: no query
    sections = []
    for category in shown:
        section = SectionSummary(
            category=category,
            need=category_requirement(category.code, integration=integration),
            missing=[requirement for requirement in missing if requirement.category == category.code],
            environment=environment,
            changed=changes.get(category.code),
            warnings=warnings_in(stored_warnings, category.code),
        )
        if category.kind == Kind.MEMBERS:
            section.members = members
        elif category.kind == Kind.HOURS:
            section.all_week = info.support_24_7
            section.windows = [
                WindowSummary(
                    days=history.days_text(window.day_list),
                    start=window.start,
                    end=window.end,
                    overnight=window.overnight,
                    time_zone=str(window.time_zone),
                )
                for window in windows
            ]
        else:
            section.contacts = contacts.get(category.code, [])
        sections.append(section)
    return ContactSummary(info=info, sections=sections, review=last_review(info), support_windows=windows)
