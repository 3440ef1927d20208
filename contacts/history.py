"""What changed between two recorded versions of the contact information, for people to read."""

from contacts.categories import CATEGORIES
from partners.models import Activity

LABELS = {category.code: category.label for category in CATEGORIES}


def contact_changes(before, after):
    """(category label, removed entries, added entries) for each category that differs."""
    changes = []
    for code in dict.fromkeys([*before, *after]):
        if code not in LABELS:
            continue
        old, new = before.get(code, []), after.get(code, [])
        if old != new:
            removed = [item for item in old if item not in new]
            added = [item for item in new if item not in old]
            changes.append((LABELS[code], removed, added))
    return changes


def changes_since(partner, version, limit=5):
    """The saves that came after `version`, newest first, each with its readable changes."""
    saves = Activity.objects.filter(
        partner=partner, action=Activity.Action.CONTACTS_UPDATED, after__version__gt=version
    ).select_related("actor")[:limit]
    return [(activity, contact_changes(activity.before, activity.after)) for activity in saves]
