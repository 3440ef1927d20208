"""The phone country list, once per page: the selects of the rows take their options from it."""

from django import template

register = template.Library()


@register.simple_tag
def phone_region_template():
    """Nothing yet: the rows' selects still carry their own options."""
    return ""
