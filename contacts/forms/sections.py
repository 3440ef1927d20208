"""One Section per kind of category: each builds its form from the stored or posted data, counts what it
holds for completeness, reports its errors, saves itself and names the template that draws it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import Form
from contacts import categories as c
from contacts.categories import ContactCategory, Kind
from contacts.forms.base import Section
from contacts.forms.formsets import ContactRows, SupportWindowRows, replace_rows, rows_changed
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

    def row_label(self, number):
        return _("%(category)s, contact %(number)d") % {"category": self.category.label, "number": number}

    def counts(self):
        return {self.category.code: len(self.formset.kept_forms())}

    def has_changed(self):
        stored = self.page.contacts[self.category.code]
        return rows_changed(self.formset, form=ContactRowForm, stored=stored)

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

    def has_changed(self):
        if not self.form.is_valid():
            return True
        posted = [self.form.row_values()] if self.form.has_changed() else []
        stored = self.page.contacts[ContactCategory.SHARED][:1]
        return [SharedContactForm.key(row) for row in posted] != [
            SharedContactForm.key(SharedContactForm.values_of(row)) for row in stored
        ]

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

    support_24_7 = forms.BooleanField(
        label=_("We offer support 24 hours a day, 7 days a week (24/7)"),
        required=False,
        help_text=_("24/7 replaces the support windows: saving with 24/7 ticked removes the windows below."),
    )


class HoursSection(Section):
    """Support hours: windows of days and times in a time zone, or 24/7 (which replaces the windows)."""

    template_name = "contacts/_section_hours.html"

    def build(self, data, shown):
        shown = shown or {"support_24_7": self.page.info.support_24_7, "windows": None}
        self.all_week = SupportAllWeekForm(data, prefix="general", initial={"support_24_7": shown["support_24_7"]})
        stored = [SupportWindowForm.values_of(window) for window in self.page.windows]
        windows = stored if shown["windows"] is None else shown["windows"]
        self.formset = SupportWindowRows(data, prefix=c.SUPPORT_HOURS.code, initial=windows)
        # 24/7 wins: windows typed before ticking it are not judged; they stay on the page (should 24/7 be
        # unticked again) and the save removes them.
        self.around_the_clock = data is not None and bool(
            self.all_week.is_valid() and self.all_week.cleaned_data["support_24_7"]
        )
        if self.around_the_clock:
            self.formset = SupportWindowRows(prefix=c.SUPPORT_HOURS.code, initial=self.formset.shown_rows())

    def parts(self):
        return [self.all_week] if self.around_the_clock else [self.all_week, self.formset]

    def row_label(self, number):
        return _("%(category)s, window %(number)d") % {"category": self.category.label, "number": number}

    def counts(self):
        windows = 0 if self.around_the_clock else len(self.formset.kept_forms())
        return {"support_windows": windows, "support_24_7": self.around_the_clock}

    def has_changed(self):
        if not self.all_week.is_valid() or self.around_the_clock != self.page.info.support_24_7:
            return True
        windows = self.page.windows
        return not self.around_the_clock and rows_changed(self.formset, form=SupportWindowForm, stored=windows)

    def shown(self):
        return {"support_24_7": self.all_week["support_24_7"].value(), "windows": self.formset.shown_rows()}

    def save(self):
        info = self.page.info
        info.support_24_7 = self.around_the_clock
        info.save(update_fields=["support_24_7"])
        windows = [] if self.around_the_clock else self.formset.kept_values()
        replace_rows(windows, form=SupportWindowForm, contact_information=info)


SECTIONS = {
    Kind.MEMBERS: MembersSection,
    Kind.CONTACTS: ContactsSection,
    Kind.SHARED: SharedSection,
    Kind.HOURS: HoursSection,
}


def section_for(category, page, data=None, **kwargs):
    """The section that draws and saves a category, chosen by its kind: the one place that looks at kinds."""
    return SECTIONS[category.kind](category, page, data, **kwargs)
