"""The phone country list, once per page: the country selects take their options from it (static/contacts/form.js)."""

from functools import cache

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

from contacts.forms.fields import phone_region_list

register = template.Library()


@cache
def _phone_region_template(language):
    # Built once per language, like the options it holds (contacts.forms.fields._phone_region_options).
    return format_html('<template id="phone-regions" data-phone-regions>{}</template>', phone_region_list(language))


@register.simple_tag
def phone_region_template():
    """Every phone country, in the active language and none selected, in a <template> the script copies into a
    country select before it is browsed: the selects of numbers that name their country hold only that one."""
    return _phone_region_template(get_language() or "en")
