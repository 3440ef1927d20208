"""The formsets of the page: rows posted as values, saved by replacing a category's rows by value.

No row id is ever posted: a tampered id cannot reach another partner's rows, and a stale page cannot
fail on a row someone else deleted. A save keeps the stored rows whose values did not change (and so
their ids), deletes the others and creates the new values.
"""

from django import forms
from django.forms.formsets import DELETION_FIELD_NAME, TOTAL_FORM_COUNT
from django.utils.translation import gettext_lazy as _

from accounts.identity import canonical_email
from accounts.navigation import parse_small_int
from contacts.categories import MAX_CONTACTS_PER_CATEGORY
from contacts.forms.rows import ContactRowForm, SupportWindowForm
from contacts.validation import overlapping_pairs

# Every row on the page may be marked for removal and as many added: more forms than that is tampering.
MAX_FORMS_PER_CATEGORY = 2 * MAX_CONTACTS_PER_CATEGORY


class RowFormSet(forms.BaseFormSet):
    """The rows of one category, posted as values: every row stands on its own and a blank row is no row."""

    def __init__(self, data=None, *, initial=(), **kwargs):
        # Shown rows come from `initial`; posted rows are judged by what was posted alone.
        super().__init__(data, initial=None if data is not None else list(initial), **kwargs)

    def initial_form_count(self):
        # No row is bound to a stored one, so none is "initial": blank rows are skipped, not refused.
        return 0

    def total_form_count(self):
        if self.is_bound:
            return super().total_form_count()
        return len(self.initial or ()) or 1  # every row shown, or one blank row to start with

    @staticmethod
    def is_removed(form):
        """Whether the row is marked for removal (read as posted: no validation needed)."""
        return DELETION_FIELD_NAME in form.fields and bool(form[DELETION_FIELD_NAME].value())

    def kept_forms(self):
        """Rows that hold an entry: something typed, and not marked for removal."""
        return [form for form in self.forms if form.has_changed() and not self.is_removed(form)]

    def kept_values(self):
        """The cleaned values of the kept rows (of a valid formset)."""
        return [form.row_values() for form in self.kept_forms()]

    def shown_rows(self):
        """Every row as shown now, unjudged: to show them again as they are."""
        return [form.shown_values() for form in self.forms]

    def clean(self):
        kept = len(self.kept_forms())
        if kept > MAX_CONTACTS_PER_CATEGORY:
            raise forms.ValidationError(
                _("At most %(limit)d entries are allowed here: remove %(extra)d.")
                % {"limit": MAX_CONTACTS_PER_CATEGORY, "extra": kept - MAX_CONTACTS_PER_CATEGORY},
                code="too_many",
            )


class ContactFormSet(RowFormSet):
    """The contacts of one category, with no email twice."""

    def clean(self):
        super().clean()
        seen = set()
        for form in self.kept_forms():
            email = form.cleaned_data.get("email")
            if not email:
                continue
            if canonical_email(email) in seen:
                form.add_error(
                    "email",
                    forms.ValidationError(
                        _("%(email)s is already in this category: change or remove one of them."),
                        code="duplicate",
                        params={"email": email},
                    ),
                )
            seen.add(canonical_email(email))


class SupportWindowFormSet(RowFormSet):
    """All support windows, which may not overlap within a time zone."""

    def clean(self):
        super().clean()
        valid = [form for form in self.kept_forms() if form.is_valid()]
        windows = [form.cleaned_data for form in valid]
        for i, j in overlapping_pairs(windows):
            valid[j].add_error(
                None,
                forms.ValidationError(
                    _("This window overlaps window %(other)d in %(zone)s: change its days or hours."),
                    code="overlap",
                    params={"other": self.forms.index(valid[i]) + 1, "zone": windows[j]["time_zone"]},
                ),
            )


def row_formset(form, formset):
    """A formset class of removable rows, within the per-category limit."""
    return forms.formset_factory(
        form,
        formset=formset,
        extra=0,
        can_delete=True,
        max_num=MAX_CONTACTS_PER_CATEGORY,
        absolute_max=MAX_FORMS_PER_CATEGORY,
    )


ContactRows = row_formset(ContactRowForm, ContactFormSet)
SupportWindowRows = row_formset(SupportWindowForm, SupportWindowFormSet)


def replace_rows(kept, *, form, **where):
    """Make a category (the rows matching `where`) hold exactly the `kept` values, matching rows by value.

    A stored row whose values equal a kept row stays, with its id; every other row of the category is
    deleted, even one the page never showed (an operator's), so a save never merges two versions.
    Values no row holds are created. The rows are read here, inside the caller's transaction.
    """
    model = form.Meta.model
    unmatched = {}
    for row in model.objects.filter(**where):
        unmatched.setdefault(form.key(form.values_of(row)), []).append(row.pk)
    staying, new = [], []
    for values in kept:
        same = unmatched.get(form.key(values))
        if same:
            staying.append(same.pop(0))
        else:
            new.append(form.new_row(values, **where))
    model.objects.filter(**where).exclude(pk__in=staying).delete()
    model.objects.bulk_create(new)


def with_added_row(data, prefix):
    """A copy of the posted data with one more blank row in a formset: 'Add another' without JavaScript.

    Nothing is added once the rows kept (not marked for removal) reach the per-category limit.
    """
    data = data.copy()
    key = f"{prefix}-{TOTAL_FORM_COUNT}"
    total = parse_small_int(data.get(key), limit=MAX_FORMS_PER_CATEGORY)
    if total is None:
        return data
    checkbox = forms.CheckboxInput()
    removed = sum(
        checkbox.value_from_datadict(data, None, f"{prefix}-{index}-{DELETION_FIELD_NAME}") for index in range(total)
    )
    if total - removed < MAX_CONTACTS_PER_CATEGORY and total < MAX_FORMS_PER_CATEGORY:
        data[key] = str(total + 1)
    return data
