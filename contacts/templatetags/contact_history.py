"""Template filters that word the activity log in the reader's language (see contacts.history)."""

from django import template

from contacts import history

register = template.Library()


@register.filter
def activity_action(entry):
    """What an activity entry did, as a label: never its stored code."""
    return history.action_text(entry)


@register.filter
def activity_details(entry):
    """(label, removed, added) for a member or integration change: roles and statuses as labels."""
    return history.activity_details(entry)
