"""Fields of the contact information form: the version it was filled from, time zones and alert contacts."""

import zoneinfo
from functools import cache

from babel import Locale, UnknownLocaleError
from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from accounts.navigation import parse_small_int

# Row ids and versions are database integers: larger numbers never reach the database (SQLite overflows).
ID_LIMIT = 2**63 - 1
VERSION_LIMIT = 2**31 - 1


@cache
def time_zone_names():
    """Every IANA time zone name this machine knows, sorted, keyed by lower case for forgiving input."""
    return {name.lower(): name for name in sorted(zoneinfo.available_timezones()) if "/" in name or name == "UTC"}


@cache
def time_zone_datalist():
    """The searchable list of time zones, built once per process: the same 600 options on every page."""
    options = "".join(format_html('<option value="{}"></option>', name) for name in time_zone_names().values())
    return mark_safe(f'<datalist id="time-zone-names">{options}</datalist>')


def country_name(region):
    """The region's name in the active language, e.g. 'Spain' or 'España' for ES."""
    try:
        return Locale.parse(get_language() or "en", sep="-").territories.get(region, region)
    except (ValueError, UnknownLocaleError):
        return region


class VersionField(forms.IntegerField):
    """The version of the contact information a form was filled from: ASCII digits only, within bounds.

    `to_python` is the one rule that reads a posted version, for validation and for the stale check
    alike: a version of "٣" is no version, never version 3.
    """

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=VERSION_LIMIT, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = parse_small_int(str(value), limit=VERSION_LIMIT)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number

    def parse(self, value):
        """The version `value` names, or None when it names none."""
        try:
            return self.to_python(value)
        except forms.ValidationError:
            return None


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


class AlertContactsField(forms.ModelMultipleChoiceField):
    """Portal users of the partner, shown as name and email."""

    def clean(self, value):
        # Refuse what cannot be an id before the database sees it.
        if isinstance(value, list | tuple) and any(parse_small_int(str(pk), limit=ID_LIMIT) is None for pk in value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().clean(value)

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.email})" if obj.name else obj.email

    def checkboxes(self, bound_field):
        """One checkbox per member, from one query, as HTML.

        Partners can have thousands of users: through the widget templates (or even a template
        loop) each checkbox cost tens of microseconds; format_html_join costs a few.
        """
        chosen = {str(value) for value in (bound_field.value() or [])}
        flags = mark_safe(" disabled" if self.disabled else "")
        return format_html_join(
            "\n",
            '<div class="check"><input type="checkbox" name="{}" value="{}" id="{}"{}{}> '
            '<label for="{}">{}</label></div>',
            (
                (
                    bound_field.html_name,
                    user.pk,
                    f"{bound_field.auto_id}_{index}",
                    mark_safe(" checked" if str(user.pk) in chosen else ""),
                    flags,
                    f"{bound_field.auto_id}_{index}",
                    self.label_from_instance(user),
                )
                for index, user in enumerate(self.queryset.only("pk", "name", "email"))
            ),
        )


def phone_field(region):
    """A contact's phone: optional, read in the partner's region when typed without a country code."""
    return PhoneNumberField(
        region=region,
        required=False,
        label=_("Phone"),
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        help_text=_("Optional. Numbers without a country code are read as numbers of %(country)s.")
        % {"country": country_name(region)},
    )
