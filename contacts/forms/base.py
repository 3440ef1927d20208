"""What every section is built from (the stored contact information, loaded once) and what they share."""

from dataclasses import dataclass

from django import forms
from django.db.models import QuerySet
from django.forms.utils import ErrorList

from accounts.models import User
from contacts.categories import ContactCategory
from contacts.models import Contact, ContactInformation, SupportWindow
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

    @classmethod
    def load(cls, info, *, environment, alerts_editable):
        """Read the rows of every category: one query each for contacts, windows and alert contacts."""
        contacts = {code: [] for code in ContactCategory.values}
        for contact in info.contacts.all():
            contacts[contact.category].append(contact)
        return cls(
            info=info,
            contacts=contacts,
            windows=list(info.support_windows.all()),
            alert_ids=[user.pk for user in info.alert_contacts.all()],
            members=User.objects.filter(memberships__partner=info.partner).order_by("name", "email"),
            environment=environment,
            alerts_editable=alerts_editable,
        )

    @property
    def region(self):
        """The partner's phone region: numbers typed without a country code are read in it."""
        return self.info.partner.phone_region


def form_summary(form, label):
    """A form's errors as (link target, text) for the summary: 'Label, Field: message'."""
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        where = form[name].auto_id if field else f"row-{form.prefix}"
        for message in errors:
            yield f"#{where}", f"{label}, {field.label}: {message}" if field else f"{label}: {message}"


class Section:
    """One category of the page. Shown from the stored rows, or from `shown` values (what was posted,
    to show again unjudged); judged when built from posted `data`."""

    template_name = ""
    cacheable = True  # drawn from the stored version alone, so its rendering may be cached
    badge = ""

    def __init__(self, category, page, data=None, *, shown=None, outstanding=False):
        self.category, self.page, self.outstanding = category, page, outstanding
        self.errors = ErrorList()
        self.build(data, shown)

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
                    entries.extend(form_summary(form, f"{label} {number}"))
            else:
                entries.extend(form_summary(part, label))
        return entries

    def shown(self):
        """The values the section shows now, to build it again unjudged."""
        raise NotImplementedError

    def save(self):
        """Write the section's category."""
        raise NotImplementedError
