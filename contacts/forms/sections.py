"""One Section per kind of category: each builds its form from the stored or posted data, counts what it
holds for completeness, reports its errors, saves itself and names the template that draws it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import Form
from contacts import categories as c
from contacts.categories import ContactCategory, Kind
from contacts.forms.base import Section
from contacts.forms.formsets import ContactRows, SupportWindowRows, replace_rows
from contacts.forms.members import MembersSection
from contacts.forms.rows import ContactRowForm, SharedContactForm, SupportWindowForm


class ContactsSection(Section):
    """A list of contacts: email, name and phone, up to the per-category limit."""

    template_name = "contacts/_section_contacts.html"

    def build(self, data, shown):
        stored = [ContactRowForm.values_of(row) for row in self.page.contacts[self.category.code]]
        self.formset = ContactRows(
            data,
            prefix=self.category.code,
            initial=stored if shown is None else shown,
            form_kwargs={"region": self.page.region, "emailed": self.category.code != ContactCategory.OPERATOR},
        )

    def parts(self):
        return [self.formset]

    def counts(self):
        return {self.category.code: len(self.formset.kept_forms())}

    def shown(self):
        return self.formset.shown_rows()

    def save(self):
        replace_rows(
            self.formset.kept_values(),
            form=ContactRowForm,
            contact_information=self.page.info,
            category=self.category.code,
        )


class SharedSection(Section):
    """The one contact shared with users: a single form, empty until filled."""

    template_name = "contacts/_section_shared.html"

    def build(self, data, shown):
        stored = self.page.contacts[ContactCategory.SHARED][:1]
        if data is not None:
            initial = {}  # like a row, a posted form is judged by what was posted alone: filled in or not
        elif shown is not None:
            initial = shown
        else:
            initial = SharedContactForm.values_of(stored[0]) if stored else {}
        self.form = SharedContactForm(data, prefix=ContactCategory.SHARED, initial=initial, region=self.page.region)

    def parts(self):
        return [self.form]

    def counts(self):
        return {"shared": int(self.form.has_changed())}

    def shown(self):
        return self.form.shown_values()

    def save(self):
        replace_rows(
            [self.form.row_values()] if self.form.has_changed() else [],
            form=SharedContactForm,
            contact_information=self.page.info,
            category=ContactCategory.SHARED,
        )


class SupportAllWeekForm(Form):
    """Support around the clock, instead of support windows."""

    support_24_7 = forms.BooleanField(label=_("We offer support 24 hours a day, 7 days a week (24/7)"), required=False)


class HoursSection(Section):
    """Support hours: windows of days and times in a time zone, or 24/7."""

    template_name = "contacts/_section_hours.html"

    def build(self, data, shown):
        shown = shown or {"support_24_7": self.page.info.support_24_7, "windows": None}
        self.all_week = SupportAllWeekForm(data, prefix="general", initial={"support_24_7": shown["support_24_7"]})
        stored = [SupportWindowForm.values_of(window) for window in self.page.windows]
        windows = stored if shown["windows"] is None else shown["windows"]
        self.formset = SupportWindowRows(data, prefix=c.SUPPORT_HOURS.code, initial=windows)

    def parts(self):
        return [self.all_week, self.formset]

    def counts(self):
        all_week = self.all_week.is_valid() and self.all_week.cleaned_data["support_24_7"]
        return {"support_windows": len(self.formset.kept_forms()), "support_24_7": all_week}

    def is_valid(self):
        valid = super().is_valid()
        if self.counts()["support_24_7"] and self.formset.kept_forms():
            self.errors.append(_("You chose 24/7: remove the support windows, or untick 24/7."))
        return valid and not self.errors

    def shown(self):
        return {"support_24_7": self.all_week["support_24_7"].value(), "windows": self.formset.shown_rows()}

    def save(self):
        info = self.page.info
        info.support_24_7 = self.all_week.cleaned_data["support_24_7"]
        info.save(update_fields=["support_24_7"])
        replace_rows(self.formset.kept_values(), form=SupportWindowForm, contact_information=info)


SECTIONS = {
    Kind.MEMBERS: MembersSection,
    Kind.CONTACTS: ContactsSection,
    Kind.SHARED: SharedSection,
    Kind.HOURS: HoursSection,
}


def section_for(category, page, data=None, **kwargs):
    """The section that draws and saves a category, chosen by its kind: the one place that looks at kinds."""
    return SECTIONS[category.kind](category, page, data, **kwargs)
