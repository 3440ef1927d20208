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
from contacts.categories import MAX_CONTACTS_PER_CATEGORY, SAME_AS, SUPPORT_HOURS, ContactCategory
from contacts.forms.rows import ContactRowForm, SupportWindowForm
from contacts.validation import overlapping_pairs

# Every row on the page may be marked for removal and as many added: more forms than that is tampering.
MAX_FORMS_PER_CATEGORY = 2 * MAX_CONTACTS_PER_CATEGORY


def rows_changed(formset, *, form, stored):
    """Whether a posted formset holds other rows than the `stored` ones, compared by value (an invalid one does)."""
    if not formset.is_valid():
        return True
    return [form.key(values) for values in formset.kept_values()] != [form.key(form.values_of(row)) for row in stored]


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


# What a row holds without anyone typing in it: its removal mark, its language (blank by default) and a
# phone's country (`phone_region`, or `phone_0` as django-phonenumber-field's own prefix widget names it).
UNTYPED_PARTS = {DELETION_FIELD_NAME, "language", "phone_region", "phone_0"}


def _values(data, key):
    return data.getlist(key) if hasattr(data, "getlist") else [data[key]] if key in data else []


def _set(data, key, values):
    if hasattr(data, "setlist"):
        data.setlist(key, list(values))
    else:
        data[key] = values[0] if len(values) == 1 else list(values)


def posted_rows(data, prefix):
    """The rows of a formset as posted, each as {field name: [values]} in page order; None if not posted."""
    total = parse_small_int(data.get(f"{prefix}-{TOTAL_FORM_COUNT}"), limit=MAX_FORMS_PER_CATEGORY)
    if total is None:
        return None
    rows = []
    for index in range(total):
        start = f"{prefix}-{index}-"
        rows.append({key[len(start) :]: _values(data, key) for key in list(data) if key.startswith(start)})
    return rows


def _typed(row):
    """Whether anything was typed in a posted row."""
    return any(value.strip() for name, values in row.items() if name not in UNTYPED_PARTS for value in values)


def _removed(row):
    """Whether a posted row is marked for removal, read as the formset reads it."""
    marks = row.get(DELETION_FIELD_NAME)
    return bool(marks) and forms.CheckboxInput().value_from_datadict({"mark": marks[-1]}, None, "mark")


def _write_rows(data, prefix, old_rows, new_rows):
    for index, row in enumerate(old_rows):
        for name in row:
            data.pop(f"{prefix}-{index}-{name}", None)
    for index, row in enumerate(new_rows):
        for name, values in row.items():
            _set(data, f"{prefix}-{index}-{name}", values)
    data[f"{prefix}-{TOTAL_FORM_COUNT}"] = str(len(new_rows))


def with_copied_rows(data, target, source):
    """A copy of the posted data with the `source` category's contacts copied into `target`: "Same as technical
    emergency contacts" without JavaScript.

    Only the pairs of `categories.SAME_AS` copy; any other pair returns an unchanged copy. The source rows that
    hold something and are not marked for removal are copied as typed (unjudged), skipping an address the target
    already holds; they fill the target's blank rows, then follow its other rows (kept as they are, marks for
    removal included), within the per-category limit. The shared contact (one form, no rows) takes the first
    such row's email, name and phone, and keeps its support page. Nothing else in the data changes.
    """
    data = data.copy()
    if getattr(SAME_AS.get(target), "code", None) != source:
        return data
    sources = [row for row in posted_rows(data, source) or [] if _typed(row) and not _removed(row)]
    if not sources:
        return data
    copied = [{name: values for name, values in row.items() if name != DELETION_FIELD_NAME} for row in sources]
    if target == ContactCategory.SHARED:
        for key in [key for key in data if key.startswith(f"{target}-") and key != f"{target}-url"]:
            data.pop(key)
        for name, values in copied[0].items():
            if name != "language":  # the shared contact is handed to users: it has no language of emails
                _set(data, f"{target}-{name}", values)
        return data
    rows = posted_rows(data, target)
    if rows is None:
        return data
    kept = [row for row in rows if _typed(row)]
    held = {canonical_email(value) for row in kept if not _removed(row) for value in row.get("email", []) if value}
    for row in copied:
        emails = {canonical_email(value) for value in row.get("email", []) if value}
        entries = sum(not _removed(row) for row in kept)
        if emails & held or entries >= MAX_CONTACTS_PER_CATEGORY or len(kept) >= MAX_FORMS_PER_CATEGORY:
            continue
        kept.append(row)
        held |= emails
    _write_rows(data, target, rows, kept)
    return data


HOURS_PRESETS = {
    "weekdays": {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"},
    "every_day": {"days": [0, 1, 2, 3, 4, 5, 6], "start": "09:00", "end": "17:00"},
}


def with_hours_preset(data, preset):
    """A copy of the posted data with a support window preset filled in: the presets without JavaScript.

    `preset` is "weekdays" (Monday to Friday, 09:00–17:00) or "every_day" (09:00–17:00); anything else returns an
    unchanged copy. The first empty window (no days, start or end, not marked for removal) is filled, keeping
    its time zone; else a window is added, within the per-category limit. A window without a time zone takes the
    first one typed in another window. Choosing windows unticks 24/7 (which would replace them).
    """
    data = data.copy()
    values = HOURS_PRESETS.get(preset)
    prefix = SUPPORT_HOURS.code
    rows = posted_rows(data, prefix)
    if values is None or rows is None:
        return data
    empty = [
        index
        for index, row in enumerate(rows)
        if not _removed(row) and not any(v.strip() for name in ("days", "start", "end") for v in row.get(name, []))
    ]
    if empty:
        index = empty[0]
    elif sum(not _removed(row) for row in rows) < MAX_CONTACTS_PER_CATEGORY and len(rows) < MAX_FORMS_PER_CATEGORY:
        index = len(rows)
        data[f"{prefix}-{TOTAL_FORM_COUNT}"] = str(index + 1)
        rows.append({})
    else:
        return data
    _set(data, f"{prefix}-{index}-days", [str(day) for day in values["days"]])
    _set(data, f"{prefix}-{index}-start", [values["start"]])
    _set(data, f"{prefix}-{index}-end", [values["end"]])
    data.pop(f"{prefix}-{index}-overnight", None)
    zone = "".join(rows[index].get("time_zone", [])).strip()
    if not zone:
        typed = [v.strip() for row in rows for v in row.get("time_zone", []) if v.strip()]
        if typed:
            _set(data, f"{prefix}-{index}-time_zone", [typed[0]])
    data.pop("general-support_24_7", None)
    return data
