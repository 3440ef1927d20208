"""Fields of the contact information form: the version it was filled from, time zones and phones."""

from functools import cache, lru_cache

import phonenumbers
from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import PhoneNumber, to_python

from accounts.navigation import parse_small_int
from contacts import timezones
from contacts.timezones import AmbiguousTimeZone, time_zone_datalist, time_zone_find, time_zone_names

__all__ = ["time_zone_datalist", "time_zone_names"]

# Row ids and versions are database integers: larger numbers never reach the database (SQLite overflows).
ID_LIMIT = 2**63 - 1
VERSION_LIMIT = 2**31 - 1
PHONE_MAX_LENGTH = 40
# In the name of a field of a formset's empty form: the row "Add another" clones from its <template>.
TEMPLATE_ROW = "__prefix__"


def country_name(region):
    """The region's name in the active language, e.g. 'Spain' or 'España' for ES."""
    return timezones.country_name(region)


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
    """A time zone typed with the help of suggestions (a searchable datalist): an IANA name, or a city, a country,
    a UTC offset or an abbreviation that names one zone (contacts.timezones). What could name several zones is
    refused with the likely choices: the field never guesses."""

    default_error_messages = {
        "invalid": _("“%(value)s” is not a time zone we know. Pick one from the list, for example Europe/Madrid."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("help_text", timezones.TIME_ZONE_HELP)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"list": "time-zone-names", "autocomplete": "off", "data-time-zone": ""}),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return str(value) if value else value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        try:
            name = time_zone_find(value)
        except AmbiguousTimeZone as ambiguous:
            raise forms.ValidationError(ambiguous.message, code="ambiguous") from None
        if name is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value})
        return name


@cache
def phone_region_choices(language):
    """(region, 'Spain +34') for every region with a calling code, named and sorted in `language`."""
    choices = [
        (region, f"{timezones.country_name(region, language)} +{phonenumbers.country_code_for_region(region)}")
        for region in phonenumbers.SUPPORTED_REGIONS
    ]
    return sorted(choices, key=lambda choice: (timezones.fold(choice[1]), choice[0]))


@cache
def _phone_region_options(language):
    # The same 245 options on every page: built once per language, then a string to mark.
    return format_html_join("", '<option value="{}">{}</option>', phone_region_choices(language))


def phone_region_list(language):
    """Every option of a phone's country select in `language`, none selected: the page's one full list
    (contacts/templatetags/phone_regions.py), which the script copies into a select before it is browsed."""
    return _phone_region_options(language)


def phone_region_options(region, *, only_selected=False):
    """The options of a phone's country select in the active language, `region` selected; with `only_selected`,
    that option alone, some 40 bytes rather than 10 kB (static/contacts/form.js copies the others in from the
    page's one full list before the select is browsed)."""
    language = get_language() or "en"
    if only_selected:
        label = dict(phone_region_choices(language)).get(region, region)
        return format_html('<option value="{}" selected>{}</option>', region, label)
    marker = f'<option value="{region}">'
    return mark_safe(_phone_region_options(language).replace(marker, f'<option value="{region}" selected>', 1))


def region_named_by(number):
    """The region a number typed with + and its country code names ('ES' for '+34 612 34 56 78'), or None when it
    names none: no +, too long to be read (PhoneNumberField.read), no valid number, or a code of no region ('+800')."""
    number = number.strip()
    if not number.startswith("+") or len(number) > PHONE_MAX_LENGTH:
        return None
    return _region_named_by(number)


@lru_cache(maxsize=4096)
def _region_named_by(number):
    # Parsed once per number: a page shows the same stored numbers on every rendering.
    try:
        phone = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(phone):
        return None
    region = phonenumbers.region_code_for_number(phone)
    return region if known_region(region) else None


def known_region(region):
    """Whether `region` is a region with a calling code ('ES'); anything posted may arrive here."""
    return isinstance(region, str) and region in phonenumbers.SUPPORTED_REGIONS


def phone_parts(value):
    """(region, number text) of a phone as posted ([region, number]), stored (a PhoneNumber) or typed (a string)."""
    if isinstance(value, list | tuple):
        region, number = [*value, None, None][:2]
        return region, "" if number is None else str(number)
    if isinstance(value, PhoneNumber):
        if value.is_valid():
            return phonenumbers.region_code_for_number(value), value.as_international
        return None, value.raw_input or ""
    return None, "" if value is None else str(value)


def example_phone(region):
    """A number of `region` as its people write it ('810 12 34 56' for ES), or ''."""
    example = phonenumbers.example_number(region)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL) if example else ""


class PhoneNumberWidget(forms.MultiWidget):
    """A country select beside a phone input: posted as `<name>_region` and `<name>`, so a form posted without the
    select (an older page, a draft, a script) still reads the number, in the field's default region.

    The number keeps the field's id (its label, the error summary and the error list point at it); the select is
    `<id>_region`, named for screen readers by its aria-label. Both are drawn here, not through templates: a page
    holds a dozen of them, with 245 countries each.
    """

    use_fieldset = False

    def __init__(self, *, region, attrs=None):
        self.region = region
        number = forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "maxlength": PHONE_MAX_LENGTH})
        super().__init__({"region": forms.Select(), "": number}, attrs)

    def decompress(self, value):
        return list(phone_parts(value))

    def id_for_label(self, id_):
        return id_

    def render(self, name, value, attrs=None, renderer=None):
        region, number = phone_parts(value if isinstance(value, list | tuple) else self.decompress(value))
        # The select holds its own country alone, and the script gives it every country (the page's list of them,
        # phone_region_template) when it is used: for a number that names its country (a stored one is shown so),
        # read as typed whatever the select says (PhoneNumberField.read); for no number yet, which starts in the
        # partner's country (without JavaScript, + and the code name another, as the help text says); and for the
        # template row ("Add another"), only ever cloned by the script. A number typed otherwise keeps every
        # country: that is where a page used without JavaScript needs to choose one.
        named = region_named_by(number)
        if named:
            region = named
        elif not known_region(region):
            region = self.region
        attrs = self.build_attrs(self.attrs, attrs)
        shared = {key: attrs[key] for key in ("disabled", "aria-describedby", "aria-invalid") if key in attrs}
        select_attrs = {
            **shared,
            "name": f"{name}_region",
            "class": "phone-region",
            "aria-label": str(_("Country of the phone number")),
            "autocomplete": "off",
        }
        if attrs.get("id"):
            select_attrs["id"] = f"{attrs['id']}_region"
        options = phone_region_options(region, only_selected=bool(named) or not number.strip() or TEMPLATE_ROW in name)
        select = format_html("<select{}>{}</select>", flatatt(select_attrs), options)
        return select + self.widgets[1].render(name, number, attrs, renderer)


class PhoneNumberField(forms.MultiValueField):
    """A contact's phone: a country (the partner's region unless chosen) and a number, stored in E.164.

    A number typed with + and its country code is read as such, whatever the country chosen. The error for a
    number that is no number of the chosen country shows one that is.
    """

    def __init__(self, *, region, max_length=PHONE_MAX_LENGTH, **kwargs):
        self.region, self.max_length = region, max_length
        subfields = (forms.CharField(required=False), forms.CharField(required=False, max_length=max_length))
        kwargs.setdefault("widget", PhoneNumberWidget(region=region))
        super().__init__(subfields, require_all_fields=False, **kwargs)

    def prepare_value(self, value):
        region, number = phone_parts(value)
        return [region if known_region(region) else self.region, number]

    def read(self, value):
        """(region the number is read in, number text stripped, PhoneNumber or None when it is no valid number)."""
        region, number = phone_parts(value)
        region = region if known_region(region) else self.region
        number = number.strip()
        if not number or len(number) > self.max_length:
            return region, number, None
        phone = to_python(number, region=region)
        return region, number, phone if isinstance(phone, PhoneNumber) and phone.is_valid() else None

    def clean(self, value):
        region, number, phone = self.read(value)
        if not number:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return ""
        if len(number) > self.max_length:
            raise forms.ValidationError(
                _("A phone number can have at most %(limit)d characters (it has %(length)d)."),
                code="max_length",
                params={"limit": self.max_length, "length": len(number)},
            )
        if phone is None:
            raise forms.ValidationError(self.invalid_message(region), code="invalid")
        return phone

    def invalid_message(self, region):
        """What to type instead: a number of the chosen country, with an example, or one with its country code."""
        example = example_phone(region)
        if not example:
            return _("Enter a valid phone number, starting with + and the country code.")
        return _(
            "Enter a valid phone number for %(country)s, like %(example)s, or start with + and the country code."
        ) % {"country": country_name(region), "example": example}

    def compress(self, data_list):
        return self.clean(data_list)

    def has_changed(self, initial, data):
        """Whether the number changed; a country chosen for no number is no change (a blank row stays blank)."""
        if self.disabled:
            return False
        return self.comparable(initial) != self.comparable(data)

    def comparable(self, value):
        """A phone as compared: E.164 when it is a number, else the text typed, '' for nothing."""
        _region, number, phone = self.read(value)
        return phone.as_e164 if phone is not None else number


def optional(field):
    """Say in a field's label that it is optional ("Name (optional)"): one line, rather than a hint under it. The
    error summary keeps the plain label (`short_label`)."""
    field.short_label = field.label
    field.label = _("%(label)s (optional)") % {"label": field.label}
    return field


def phone_field(region):
    """A contact's phone: optional, with a country chosen beside it that starts as the partner's region."""
    return optional(
        PhoneNumberField(
            region=region,
            required=False,
            label=_("Phone"),
            help_text=_("Or type it with + and the country code."),
        )
    )
