"""The rows of the page: a contact, the shared contact and a support window, each read and compared by value."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.forms import ModelForm
from accounts.models import normalize_email
from contacts.forms.fields import TimeZoneNameField, optional, phone_field
from contacts.models import Contact, SupportWindow, Weekday, days_to_mask


def comparable(value):
    """A value as rows are compared by: phones by their E.164 form, lists in order, nothing as ""."""
    if value is None or value == "":
        return ""
    if hasattr(value, "as_e164"):
        return value.as_e164
    if isinstance(value, list | tuple):
        return tuple(sorted(comparable(item) for item in value))
    return str(value)


class RowForm(ModelForm):
    """A form for one stored row, which it reads and compares by value."""

    key_fields = ()

    @classmethod
    def values_of(cls, row):
        """What a stored row holds, as the form's cleaned data would."""
        return {name: getattr(row, name) for name in cls.key_fields}

    @classmethod
    def key(cls, values):
        """What makes two rows the same row: all their values."""
        return tuple(comparable(values.get(name)) for name in cls.key_fields)

    @classmethod
    def new_row(cls, values, **where):
        """An unsaved row holding `values`."""
        return cls.Meta.model(**{name: values.get(name) or "" for name in cls.key_fields}, **where)

    def row_values(self):
        """The cleaned values of this row."""
        return {name: self.cleaned_data.get(name) for name in self.key_fields}

    def shown_values(self):
        """What the row shows now (typed or stored), unjudged: to show it again as it is."""
        return {name: self[name].value() for name in self.fields}


class ContactRowForm(RowForm):
    """One contact: an email (required), a name, a phone number read in the partner's region, and the language
    of the emails the contact receives (the account's, unless chosen)."""

    key_fields = ("email", "name", "phone", "language")

    class Meta:
        model = Contact
        fields = ["email", "name", "phone", "language"]
        # The suggestion lists hold the addresses and names already on the form: type an address once.
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false", "list": "contact-emails"}),
            "name": forms.TextInput(attrs={"autocomplete": "off", "list": "contact-names"}),
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

    def __init__(self, *args, region, emailed=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not emailed:  # the operator-only contact is called, never sent notifications: no language to choose
            self.fields.pop("language", None)
        self.fields["phone"] = phone_field(region)
        if "language" in self.fields:
            # Named as the profile names them; blank follows the account's language.
            self.fields["language"].choices = [("", _("The account's language")), *settings.LANGUAGES]
            self.fields["language"].label = _("Language of emails")
        for name in ("name", "language", "url"):
            if name in self.fields:
                optional(self.fields[name])

    def clean_email(self):
        """Trim the address and lower-case its domain."""
        return normalize_email(self.cleaned_data["email"])


class SharedContactForm(ContactRowForm):
    """The single public contact handed to users: email required, phone and support page optional."""

    key_fields = ("email", "name", "phone", "url")

    class Meta(ContactRowForm.Meta):
        fields = ["email", "name", "phone", "url"]
        # No placeholder: a greyed "https://" reads as a value already filled in.
        widgets = {**ContactRowForm.Meta.widgets, "url": forms.URLInput()}
        help_texts = {"url": _("For example https://example.com/support")}
        error_messages = {
            **ContactRowForm.Meta.error_messages,
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
            self.add_error(
                "email", forms.ValidationError(self.fields["email"].error_messages["required"], code="required")
            )
        return cleaned


class SupportWindowForm(RowForm):
    """A support window: days of the week, a start and an end time, and a time zone."""

    key_fields = ("days", "start", "end", "overnight", "time_zone")

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

    @classmethod
    def values_of(cls, row):
        return {**super().values_of(row), "days": row.day_list, "time_zone": str(row.time_zone)}

    @classmethod
    def new_row(cls, values, **where):
        return SupportWindow(
            days=days_to_mask(values["days"]),
            start=values["start"],
            end=values["end"],
            overnight=values["overnight"],
            time_zone=values["time_zone"],
            **where,
        )

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
