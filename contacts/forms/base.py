"""What every section is built from (the stored contact information, loaded once) and what they share."""

from dataclasses import dataclass

from django import forms
from django.db.models import QuerySet
from django.forms.utils import ErrorList
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from contacts.categories import SAME_AS_LABELS, ContactCategory
from contacts.completeness import OPTIONAL, REQUIRED, REQUIRED_IN_PRODUCTION, category_requirement
from contacts.fragments import BlankRowKey, EmptyRowKey, SectionKey
from contacts.models import Contact, ContactInformation, SupportWindow
from contacts.warnings import warnings_in, warnings_stored
from partners.environments import Environment


@dataclass(frozen=True)
class Page:
    """What every section is built from: the stored contact information (loaded once) and where it is edited."""

    info: ContactInformation
    contacts: dict[str, list[Contact]]
    windows: list[SupportWindow]
    alert_ids: list[int]
    members: QuerySet
    environment: Environment
    alerts_editable: bool
    listing: object = None  # the alert contacts' picker as stored (members.MemberListing), when already read

    @classmethod
    def load(cls, info, *, environment, alerts_editable, listing=None):
        """Read the rows of every category: one query each for contacts and windows, and one for the alert
        contacts unless `listing` has them already."""
        contacts = {code: [] for code in ContactCategory.values}
        for contact in info.contacts.all():
            contacts[contact.category].append(contact)
        alert_ids = (
            list(listing.chosen_ids) if listing is not None else list(info.alert_contacts.values_list("pk", flat=True))
        )
        return cls(
            info=info,
            contacts=contacts,
            windows=list(info.support_windows.all()),
            alert_ids=alert_ids,
            members=User.objects.filter(memberships__partner=info.partner).order_by("name", "email"),
            environment=environment,
            alerts_editable=alerts_editable,
            listing=listing,
        )

    @property
    def region(self):
        """The partner's phone region: numbers typed without a country code are read in it."""
        return self.info.partner.phone_region


REQUIREMENT_LABELS = {
    REQUIRED: _("Required"),
    REQUIRED_IN_PRODUCTION: _("Required in Production"),
    OPTIONAL: _("Optional"),
}


def form_summary(form, label):
    """A form's errors as (link target, text) for the summary: 'Label, Field: message'."""
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        where = form[name].auto_id if field else f"row-{form.prefix}"
        for message in errors:
            if field is None:
                yield f"#{where}", f"{label}: {message}"
            else:  # "Phone", not "Phone (optional)": the error says what to fix
                yield f"#{where}", f"{label}, {getattr(field, 'short_label', field.label)}: {message}"


class Section:
    """One category of the page. Shown from the stored rows, or from `shown` values (what was posted,
    to show again unjudged); judged when built from posted `data`."""

    template_name = ""
    cacheable = True  # drawn from the stored version alone, so its rendering may be cached
    badge = ""
    copy_from = None  # the category whose rows "Same as …" copies here, when the form holds both

    read_only = False  # set by the form when its fields are disabled
    body_key = None  # the key of the form's cached body, when it has one (contacts.fragments)

    def __init__(self, category, page, data=None, *, shown=None, outstanding=False):
        self.category, self.page, self.outstanding = category, page, outstanding
        self.shows_stored = data is None and shown is None
        self.errors = ErrorList()
        self.build(data, shown)

    @property
    def empty_row_key(self):
        """The cache key of the category's empty row (the <template> "Add another" clones)."""
        return EmptyRowKey.of(self)

    @property
    def cache_key(self):
        """The cache key of the section's drawing, by its own content, when the form's body is cached; else None."""
        if self.body_key is None or not self.shows_stored:
            return None
        return SectionKey.of(self.body_key, self)

    @property
    def rows(self):
        """The formset's rows as (row, cache key of its drawing): a key only for a blank row of a section showing
        what is stored, which is drawn like the empty row and may be cached with it; else None."""
        fixed, empty = self.only_row_fixed, self.empty_row_key if self.shows_stored else None
        for number, row in enumerate(self.formset, start=1):
            blank = empty is not None and not row.initial
            yield row, BlankRowKey(empty, number, fixed, self.read_only) if blank else None

    @property
    def warnings(self):
        """The quality warnings of this category, stored with the requirements (no query); they never block."""
        return warnings_in(warnings_stored(self.page.info.partner), self.category.code)

    @property
    def requirement(self):
        """REQUIRED, REQUIRED_IN_PRODUCTION or OPTIONAL: what the completeness rules ask of this category."""
        return category_requirement(self.category.code, integration=self.page.info.partner.integration_kind)

    @property
    def requirement_label(self):
        """The marker beside the category's title: Required, Optional or Required in Production."""
        return REQUIREMENT_LABELS[self.requirement]

    @property
    def required_here(self):
        """Whether the category must hold an entry in the environment of the page."""
        requirement = self.requirement
        return requirement == REQUIRED or (
            requirement == REQUIRED_IN_PRODUCTION and self.page.environment.has_alert_contacts
        )

    @property
    def only_row_fixed(self):
        """Whether the category's rows offer no "Remove": a required category's only row (removing it could
        only lead to the "at least one" error)."""
        formset = getattr(self, "formset", None)
        return formset is not None and self.required_here and formset.total_form_count() == 1

    @property
    def copy_label(self):
        """The "Same as …" shortcut's label, when the category offers it."""
        return SAME_AS_LABELS[self.copy_from.code] if self.copy_from else ""

    def row_label(self, number):
        """A row as the error summary names it: the category, then the row as its legend reads."""
        return f"{self.category.label} {number}"

    def build(self, data, shown):
        """Create the section's forms."""
        raise NotImplementedError

    def parts(self):
        """The forms and formsets to validate."""
        raise NotImplementedError

    def forms(self):
        """Every single form, rows included."""
        for part in self.parts():
            yield from part.forms if isinstance(part, forms.BaseFormSet) else [part]

    def counts(self):
        """What the posted section holds, for completeness: {ContactCounts field: value}."""
        raise NotImplementedError

    def is_valid(self):
        """Validate the section's forms and gather the errors of the section as a whole."""
        valid = all([part.is_valid() for part in self.parts()])
        for part in self.parts():
            if isinstance(part, forms.BaseFormSet):
                self.errors.extend(part.non_form_errors())
        return valid and not self.errors

    def has_changed(self):
        """Whether the posted section holds anything other than the stored rows (Django's has_changed, per form)."""
        return any(part.has_changed() for part in self.parts())

    @property
    def has_errors(self):
        """Whether anything in this category needs fixing."""
        return bool(self.errors) or any(form.is_bound and form.errors for form in self.forms())

    def error_summary(self):
        """The section's errors as (link target, text), in page order; rows are numbered."""
        label = self.category.label
        entries = [(f"#{self.category.anchor}", f"{label}: {message}") for message in self.errors]
        for part in self.parts():
            if isinstance(part, forms.BaseFormSet):
                for number, form in enumerate(part.forms, start=1):
                    entries.extend(form_summary(form, self.row_label(number)))
            else:
                entries.extend(form_summary(part, label))
        return entries

    def shown(self):
        """The values the section shows now, to build it again unjudged."""
        raise NotImplementedError

    def save(self):
        """Write the section's category."""
        raise NotImplementedError
