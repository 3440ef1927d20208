"""The contact information form: every category, validated together, used by the modal and Settings."""

import zoneinfo
from dataclasses import dataclass, field
from functools import cache

from babel import Locale, UnknownLocaleError
from django import forms
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.utils import ErrorDict, ErrorList
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from accounts.models import User, normalize_email
from accounts.navigation import parse_small_int
from contacts import categories as c
from contacts.categories import MAX_CONTACTS_PER_CATEGORY, ContactCategory, Kind, categories_for
from contacts.completeness import REQUIREMENTS, ContactCounts, missing_requirements
from contacts.models import Contact, ContactInformation, SupportWindow, Weekday, days_to_mask
from contacts.validation import overlapping_pairs
from partners.environments import Environment


@cache
def time_zone_names():
    """Every IANA time zone name this machine knows, sorted, keyed by lower case for forgiving input."""
    return {name.lower(): name for name in sorted(zoneinfo.available_timezones()) if "/" in name or name == "UTC"}


def country_name(region):
    """The region's name in the active language, e.g. 'Spain' or 'España' for ES."""
    try:
        return Locale.parse(get_language() or "en", sep="-").territories.get(region, region)
    except (ValueError, UnknownLocaleError):
        return region


@cache
def time_zone_datalist():
    """The searchable list of time zones, built once per process: the same 600 options on every page."""
    options = "".join(format_html('<option value="{}"></option>', name) for name in time_zone_names().values())
    return mark_safe(f'<datalist id="time-zone-names">{options}</datalist>')


class TimeZoneNameField(forms.CharField):
    """An IANA time zone typed with the help of a list of suggestions (a searchable datalist)."""

    default_error_messages = {
        "invalid": _("“%(value)s” is not a time zone we know. Pick one from the list, for example Europe/Madrid."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("widget", forms.TextInput(attrs={"list": "time-zone-names", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return str(value) if value else value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        name = time_zone_names().get(value.strip().lower())
        if name is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value})
        return name


class ContactForm(forms.ModelForm):
    """One contact: an email (required), a name and a phone number read in the partner's region."""

    class Meta:
        model = Contact
        fields = ["email", "name", "phone"]
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            "name": forms.TextInput(attrs={"autocomplete": "off"}),
        }
        error_messages = {
            "email": {
                "required": _("Enter an email address for this contact."),
                "invalid": _("Enter a valid email address, like ops@example.com."),
                "max_length": _(
                    "An email address can have at most %(limit_value)d characters (it has %(show_value)d)."
                ),
            },
            "name": {"max_length": _("A name can have at most %(limit_value)d characters (it has %(show_value)d).")},
        }

    def __init__(self, *args, region, **kwargs):
        kwargs.setdefault("label_suffix", "")  # labels sit above inputs: no trailing colon
        super().__init__(*args, **kwargs)
        self.fields["phone"] = PhoneNumberField(
            region=region,
            required=False,
            label=_("Phone"),
            max_length=40,
            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            help_text=_("Optional. Numbers without a country code are read as numbers of %(country)s.")
            % {"country": country_name(region)},
        )

    def clean_email(self):
        """Trim the address and lower-case its domain."""
        return normalize_email(self.cleaned_data["email"])


class SharedContactForm(ContactForm):
    """The single public contact handed to users: email required, phone and support page optional."""

    class Meta(ContactForm.Meta):
        fields = ["email", "name", "phone", "url"]
        widgets = {**ContactForm.Meta.widgets, "url": forms.URLInput(attrs={"placeholder": "https://"})}
        error_messages = {
            **ContactForm.Meta.error_messages,
            "url": {"invalid": _("Enter a full web address, starting with https://.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An empty form is reported once, by completeness; a half-filled one needs its email.
        self.fields["email"].required = False

    def clean(self):
        cleaned = super().clean()
        if (
            not cleaned.get("email")
            and not self.has_error("email")
            and any(cleaned.get(f) for f in ("name", "phone", "url"))
        ):
            self.add_error("email", self.fields["email"].error_messages["required"])
        return cleaned

    @property
    def is_filled(self):
        """Whether the user typed anything for this contact (an empty one is what completeness reports)."""
        if not self.is_bound:
            return bool(self.instance.email)
        return any(str(self.data.get(self.add_prefix(name), "")).strip() for name in self.fields)


class RowsFormSet(forms.BaseInlineFormSet):
    """An inline formset over rows loaded beforehand, so every category costs no query of its own."""

    def __init__(self, *args, rows, **kwargs):
        self._rows = rows
        super().__init__(*args, queryset=self.model._default_manager.none(), **kwargs)
        self.extra = 0 if rows else 1

    def get_queryset(self):
        return self._rows

    def replaced_filter(self):
        """Which stored rows this formset stands for (all of them, unless a subclass narrows it)."""
        return {}

    def kept_forms(self):
        """Forms that hold an entry: filled in, and not marked for removal."""
        return [
            form
            for form in self.forms
            if (form.instance.pk or form.has_changed()) and not (self.can_delete and self._should_delete_form(form))
        ]

    def clean(self):
        super().clean()
        if len(self.kept_forms()) > MAX_CONTACTS_PER_CATEGORY:
            raise forms.ValidationError(
                _("At most %(limit)d entries are allowed here: remove %(extra)d.")
                % {"limit": MAX_CONTACTS_PER_CATEGORY, "extra": len(self.kept_forms()) - MAX_CONTACTS_PER_CATEGORY},
                code="too_many",
            )


class ContactFormSet(RowsFormSet):
    """The contacts of one category, with no email twice."""

    def __init__(self, *args, category, **kwargs):
        self.category = category
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        seen = set()
        for form in self.kept_forms():
            email = form.cleaned_data.get("email") if hasattr(form, "cleaned_data") else None
            if not email:
                continue
            if email.casefold() in seen:
                form.add_error(
                    "email",
                    forms.ValidationError(
                        _("%(email)s is already in this category: change or remove one of them."),
                        code="duplicate",
                        params={"email": email},
                    ),
                )
            seen.add(email.casefold())

    def save_new(self, form, commit=True):
        form.instance.category = self.category
        return super().save_new(form, commit=commit)

    def replaced_filter(self):
        return {"category": self.category}


class SupportWindowForm(forms.ModelForm):
    """A support window: days of the week, a start and an end time, and a time zone."""

    days = forms.TypedMultipleChoiceField(
        label=_("Days"),
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one day.")},
    )
    time_zone = TimeZoneNameField(
        label=_("Time zone"),
        error_messages={"required": _("Choose a time zone, for example America/New_York.")},
    )

    class Meta:
        model = SupportWindow
        fields = ["start", "end", "overnight", "time_zone"]
        widgets = {
            "start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        error_messages = {
            "start": {"required": _("Enter a start time."), "invalid": _("Enter a time such as 09:00.")},
            "end": {"required": _("Enter an end time."), "invalid": _("Enter a time such as 17:30.")},
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["days"] = self.instance.day_list

    def clean(self):
        cleaned = super().clean()
        start, end, overnight = cleaned.get("start"), cleaned.get("end"), cleaned.get("overnight")
        if start and end and end <= start and not overnight:
            self.add_error(
                "end",
                forms.ValidationError(
                    _("End must be after start. If support runs past midnight, tick “Ends the next day”."),
                    code="end_before_start",
                ),
            )
        elif start and end and end > start and overnight:
            self.add_error(
                "overnight",
                forms.ValidationError(
                    _("This window ends after it starts on the same day: untick “Ends the next day”."),
                    code="not_overnight",
                ),
            )
        return cleaned

    def save(self, commit=True):
        self.instance.days = days_to_mask(self.cleaned_data["days"])
        return super().save(commit=commit)


class SupportWindowFormSet(RowsFormSet):
    """All support windows, which may not overlap within a time zone."""

    def clean(self):
        super().clean()
        forms_ = [f for f in self.kept_forms() if hasattr(f, "cleaned_data") and not f.errors]
        windows = [f.cleaned_data for f in forms_]
        for i, j in overlapping_pairs(windows):
            forms_[j].add_error(
                None,
                forms.ValidationError(
                    _("This window overlaps window %(other)d in %(zone)s: change its days or hours."),
                    code="overlap",
                    params={"other": self.forms.index(forms_[i]) + 1, "zone": windows[j]["time_zone"]},
                ),
            )


class AlertContactsField(forms.ModelMultipleChoiceField):
    """Portal users of the partner, shown as name and email."""

    def _check_values(self, value):
        # Refuse what cannot be an id before the database sees it (SQLite overflows on huge numbers).
        for pk in value:
            if parse_small_int(str(pk), limit=2**63 - 1) is None:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super()._check_values(value)

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.email})" if obj.name else obj.email


class GeneralForm(forms.Form):
    """The parts of the page that are not rows: the version edited, alert contacts and 24/7."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)
    alert_contacts = AlertContactsField(
        label=c.ALERT.label,
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Choose alert contacts among the users of this account."),
            "invalid_pk_value": _("Choose alert contacts among the users of this account."),
        },
    )
    support_24_7 = forms.BooleanField(label=_("We offer support 24 hours a day, 7 days a week (24/7)"), required=False)

    def __init__(self, *args, members, alerts_editable, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["alert_contacts"].queryset = members
        self.fields["alert_contacts"].disabled = not alerts_editable

    def alert_checkboxes(self):
        """One checkbox per member, from one query, as HTML.

        Partners can have thousands of users: through the widget templates (or even a template
        loop) each checkbox cost tens of microseconds; format_html_join costs a few.
        """
        bound = self["alert_contacts"]
        field = self.fields["alert_contacts"]
        chosen = {str(value) for value in (bound.value() or [])}
        flags = " disabled" if field.disabled else ""
        return format_html_join(
            "\n",
            '<div class="check"><input type="checkbox" name="{}" value="{}" id="{}"{}{}> '
            '<label for="{}">{}</label></div>',
            (
                (
                    bound.html_name,
                    user.pk,
                    f"{bound.auto_id}_{index}",
                    mark_safe(" checked" if str(user.pk) in chosen else ""),
                    mark_safe(flags),
                    f"{bound.auto_id}_{index}",
                    field.label_from_instance(user),
                )
                for index, user in enumerate(field.queryset.only("pk", "name", "email"))
            ),
        )


@dataclass
class Section:
    """One category as the template draws it: its form or formset, its own errors, and whether it is missing."""

    category: c.Category
    part: object
    outstanding: bool = True
    errors: ErrorList = field(default_factory=ErrorList)

    @property
    def kind(self):
        return self.category.kind

    @property
    def has_errors(self):
        """Whether anything in this category needs fixing."""
        if self.errors:
            return True
        part = self.part
        if isinstance(part, forms.BaseFormSet):
            return part.is_bound and any(part.errors)
        if isinstance(part, GeneralForm):
            fields = ["alert_contacts"] if self.kind is Kind.MEMBERS else ["support_24_7"]
            return part.is_bound and any(name in part.errors for name in fields)
        return part.is_bound and bool(part.errors)


ContactFormSetFactory = forms.inlineformset_factory(
    ContactInformation,
    Contact,
    form=ContactForm,
    formset=ContactFormSet,
    extra=0,
    max_num=MAX_CONTACTS_PER_CATEGORY,
    absolute_max=4 * MAX_CONTACTS_PER_CATEGORY,
    can_delete=True,
)
SupportWindowFormSetFactory = forms.inlineformset_factory(
    ContactInformation,
    SupportWindow,
    form=SupportWindowForm,
    formset=SupportWindowFormSet,
    extra=0,
    max_num=MAX_CONTACTS_PER_CATEGORY,
    absolute_max=4 * MAX_CONTACTS_PER_CATEGORY,
    can_delete=True,
)


class ContactInformationForm:
    """Every category of a partner's contact information, validated as one form and saved as one."""

    def __init__(self, data=None, *, info, environment, read_only=False):
        self.info = info
        self.partner = info.partner
        self.environment = environment
        self.read_only = read_only
        self.alerts_editable = environment == Environment.PRODUCTION and not read_only
        region = self.partner.phone_region

        rows = {code: [] for code in ContactCategory.values}
        for contact in info.contacts.all():
            rows[contact.category].append(contact)
        members = User.objects.filter(memberships__partner=self.partner).order_by("name", "email")

        self.general = GeneralForm(
            data,
            prefix="general",
            members=members,
            alerts_editable=self.alerts_editable,
            initial={
                "version": info.version,
                "alert_contacts": [user.pk for user in info.alert_contacts.all()],
                "support_24_7": info.support_24_7,
            },
        )
        shared = rows[ContactCategory.SHARED][0] if rows[ContactCategory.SHARED] else None
        self.shared = SharedContactForm(
            data,
            prefix=ContactCategory.SHARED,
            instance=shared or Contact(contact_information=info, category=ContactCategory.SHARED),
            region=region,
        )
        outstanding = {REQUIREMENTS[code].category for code in self.partner.missing_contacts(environment)}
        self.sections = []
        for category in categories_for(self.partner.integration_kind):
            if category.kind is Kind.MEMBERS:
                part = self.general
            elif category.kind is Kind.SHARED:
                part = self.shared
            elif category.kind is Kind.HOURS:
                part = SupportWindowFormSetFactory(
                    data, instance=info, prefix=category.code, rows=list(info.support_windows.all())
                )
            else:
                part = ContactFormSetFactory(
                    data,
                    instance=info,
                    prefix=category.code,
                    rows=rows[category.code],
                    category=category.code,
                    form_kwargs={"region": region},
                )
            self.sections.append(Section(category, part, outstanding=category.code in outstanding))
        if read_only:
            for form in self._all_forms():
                for form_field in form.fields.values():
                    form_field.disabled = True
        self.missing = []

    @property
    def cache_key(self):
        """What an unbound form's rendering depends on, for caching its sections; None when bound.

        Every save raises the version, so a new version is a new key. Alert contacts are left out
        of the cache: they depend on the members, not on the version.
        """
        if self.is_bound:
            return None
        partner = self.partner
        return ":".join(
            str(part)
            for part in (
                partner.pk,
                self.info.pk,
                self.info.version,
                partner.integration,
                partner.phone_region,
                self.environment,
                int(self.read_only),
                get_language(),
            )
        )

    @property
    def settled_sections(self):
        """Categories that are complete or not needed in this environment, and have nothing to fix."""
        return [s for s in self.sections if not s.outstanding and not s.has_errors]

    def _parts(self):
        seen = []
        for section in self.sections:
            if not any(section.part is p for p in seen):
                seen.append(section.part)
        return seen

    def _all_forms(self):
        for part in self._parts():
            yield from (part.forms if isinstance(part, forms.BaseFormSet) else [part])

    @property
    def is_bound(self):
        return self.general.is_bound

    @property
    def version(self):
        """The version of the contact information this form was filled from."""
        return self.general.cleaned_data["version"]

    @property
    def posted_version(self):
        """The version the posted form says it was filled from, read without validating anything; or None."""
        return parse_small_int(self.general.data.get(self.general.add_prefix("version")))

    def is_stale(self):
        """Whether the posted form was filled from an older version than the one stored now."""
        return self.posted_version is not None and self.posted_version != self.info.version

    def resubmission_data(self, current_version):
        """The posted data rebased on the current version: every row the user kept becomes a new row.

        Rows the other person deleted would otherwise fail as unknown ids, and rows they added would
        be kept beside ours; as new rows, saving again replaces their version with the user's own.
        """
        data = self.general.data.copy()
        data[self.general.add_prefix("version")] = str(current_version)
        for part in self._parts():
            if not isinstance(part, forms.BaseFormSet):
                continue
            rows = [form for form in part.forms if not (part.can_delete and form[DELETION_FIELD_NAME].value())]
            for key in [k for k in data if k.startswith(f"{part.prefix}-")]:
                del data[key]
            data[f"{part.prefix}-TOTAL_FORMS"] = str(len(rows))
            data[f"{part.prefix}-INITIAL_FORMS"] = "0"
            data[f"{part.prefix}-MIN_NUM_FORMS"] = "0"
            data[f"{part.prefix}-MAX_NUM_FORMS"] = str(part.max_num)
            for index, form in enumerate(rows):
                for name in form.fields:
                    if name in {"id", "contact_information", DELETION_FIELD_NAME}:
                        continue
                    values = self.general.data.getlist(form.add_prefix(name))
                    data.setlist(f"{part.prefix}-{index}-{name}", values)
        return data

    def counts(self):
        """What the submitted form holds, category by category, whether valid or not."""
        counts = {}
        for section in self.sections:
            part = section.part
            if section.kind is Kind.MEMBERS:
                chosen = part.cleaned_data.get("alert_contacts") if hasattr(part, "cleaned_data") else None
                counts["alert"] = (
                    len(chosen) if chosen is not None else len(part.data.getlist(part.add_prefix("alert_contacts")))
                )
            elif section.kind is Kind.SHARED:
                counts["shared"] = int(part.is_filled)
            elif section.kind is Kind.HOURS:
                counts["support_windows"] = len(part.kept_forms())
            else:
                counts[section.category.code] = len(part.kept_forms())
        support_24_7 = (
            self.general.cleaned_data.get("support_24_7", False) if hasattr(self.general, "cleaned_data") else False
        )
        return ContactCounts.from_mapping(counts, support_24_7=support_24_7)

    def is_valid(self):
        """Validate every part, then ask completeness what is still missing; all errors are reported at once."""
        if self.read_only:
            return False
        parts_valid = all([part.is_valid() for part in self._parts()])
        by_code = {section.category.code: section for section in self.sections}
        for section in self.sections:
            if isinstance(section.part, forms.BaseFormSet):
                section.errors.extend(section.part.non_form_errors())
        self.missing = missing_requirements(
            self.counts(), integration=self.partner.integration_kind, environment=self.environment
        )
        for requirement in self.missing:
            by_code[requirement.category].errors.append(requirement.message)
        hours = by_code[c.SUPPORT_HOURS.code]
        if self.general.cleaned_data.get("support_24_7") and len(hours.part.kept_forms()):
            hours.errors.append(_("You chose 24/7: remove the support windows, or untick 24/7."))
        return parts_valid and not any(section.errors for section in self.sections)

    def hide_errors(self):
        """Show the posted values without judging them: used when the user only asked for another row."""
        for form in self._all_forms():
            form._errors = ErrorDict()
            form.cleaned_data = {}
        for part in self._parts():
            if isinstance(part, forms.BaseFormSet):
                part._errors = [form.errors for form in part.forms]
                part._non_form_errors = part.error_class()

    def error_summary(self):
        """Every error on the page as (link target, text), in page order, for the summary on top."""
        summary = []
        seen_parts = []
        for section in self.sections:
            label = section.category.label
            for message in section.errors:
                summary.append((f"#{section.category.anchor}", f"{label}: {message}"))
            part = section.part
            if any(part is p for p in seen_parts):
                continue
            seen_parts.append(part)
            if part is self.general:
                continue
            entries = part.forms if isinstance(part, forms.BaseFormSet) else [part]
            for number, form in enumerate(entries, start=1):
                for name, errors in form.errors.items():
                    where = form[name].auto_id if name in form.fields else form.prefix
                    field_label = form.fields[name].label if name in form.fields else ""
                    prefix = f"{label} {number}" if len(entries) > 1 or isinstance(part, forms.BaseFormSet) else label
                    for message in errors:
                        text = f"{prefix}, {field_label}: {message}" if field_label else f"{prefix}: {message}"
                        summary.append((f"#{where}", text))
        general = []
        for name, errors in self.general.errors.items():
            for message in errors:
                if name == "alert_contacts":
                    general.append((f"#{c.ALERT.anchor}", f"{c.ALERT.label}: {message}"))
                elif name == "support_24_7":
                    general.append((f"#{c.SUPPORT_HOURS.anchor}", f"{c.SUPPORT_HOURS.label}: {message}"))
                else:  # the hidden version: only a tampered or truncated post gets here
                    general.append(("#error-summary", _("The form arrived incomplete: reload the page and try again.")))
        return general + summary

    def save(self):
        """Write every part; the caller holds the transaction and the version check."""
        info = self.info
        general = self.general.cleaned_data
        info.support_24_7 = general["support_24_7"]
        info.save(update_fields=["support_24_7"])
        if self.alerts_editable:
            info.alert_contacts.set(general["alert_contacts"])
        shared = info.contacts.filter(category=ContactCategory.SHARED)
        if self.shared.is_filled:
            shared = shared.exclude(pk=self.shared.save().pk)
        shared.delete()  # exactly one shared contact, whatever was there before
        for part in self._parts():
            if isinstance(part, forms.BaseFormSet):
                part.save()
                # The page is the whole category: rows it does not hold (another person's, an operator's)
                # are replaced, so a save never merges two versions past the limits.
                kept = [form.instance.pk for form in part.kept_forms()]
                part.model._default_manager.filter(contact_information=info, **part.replaced_filter()).exclude(
                    pk__in=kept
                ).delete()
        return info


def with_added_row(data, prefix):
    """A copy of the posted data with one more blank row in a formset: 'Add another' without JavaScript."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    total = parse_small_int(data.get(key))
    if total is not None:
        data[key] = str(min(total + 1, MAX_CONTACTS_PER_CATEGORY))
    return data
