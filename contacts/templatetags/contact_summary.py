"""Template filters of Settings › Contact information."""

from django import template

from contacts.summary import category_changed

register = template.Library()


@register.filter
def touching(conflict, code):
    """The saves of a conflict, as (activity, changes) pairs, that changed the category `code`."""
    return [(activity, changes) for activity, changes in conflict or () if category_changed(activity, code)]
