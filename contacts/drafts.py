"""Drafts of the contact information form: what a member typed and has not saved yet, kept server-side.

One draft per membership (it goes when the member leaves), stored as posted, with the version it was based on
and the environment it was typed in. Drafts older than 30 days are gone: `draft_for` never returns one, and the
`sweep` command deletes them.
"""

from datetime import timedelta

from django.http import QueryDict
from django.utils import timezone

from contacts.forms.members import SEARCH_BUTTON, SEARCH_FIELD
from contacts.models import ContactDraft
from partners.environments import Environment

DRAFT_MAX_AGE = timedelta(days=30)
VERSION_FIELD = "general-version"

# Posted with the form but never typed into it: the CSRF token, where to go next, and the buttons that post the
# form without saving it (another row, copied rows, a preset, a member search and its terms, the language and
# environment).
# The version is kept apart, as the draft's `version`.
NOT_TYPED = frozenset(
    {
        "csrfmiddlewaretoken",
        VERSION_FIELD,
        "next",
        "add_row",
        "copy_rows",
        "hours_preset",
        SEARCH_BUTTON,
        SEARCH_FIELD,
        "switch_language",
        "switch_environment",
    }
)

# The alert contacts the form posts: only where they can be chosen (Production); elsewhere they are not posted.
ALERT_FIELD = "general-alert_contacts"


def typed_data(data):
    """What was typed into a posted form, as {field name: [values]}: no token, no `next`, no button."""
    if hasattr(data, "lists"):
        lists = data.lists()
    else:
        lists = ((name, value if isinstance(value, list) else [value]) for name, value in data.items())
    return {name: [str(value) for value in values] for name, values in lists if name not in NOT_TYPED}


def draft_post(draft):
    """A draft's data as a posted form (a QueryDict) filled from the draft's version, to build the form again."""
    post = QueryDict(mutable=True)
    for name, values in draft.data.items():
        post.setlist(name, [str(value) for value in values])
    post[VERSION_FIELD] = str(draft.version)
    return post


def holds_alert_choices(draft):
    """Whether the draft holds alert contacts the member chose (typed in Production), rather than none at all."""
    return Environment(draft.environment).has_alert_contacts if draft.environment in Environment.values else False


def draft_save(*, membership, data, version, environment):
    """Keep what `membership`'s user typed (a posted form) as their draft, based on contact information `version`.

    Alert contacts are posted only in Production: a draft typed elsewhere keeps the alert contacts chosen in the
    draft it replaces, and is then recorded as holding Production's choices.
    """
    data = typed_data(data)
    environment = Environment(environment)
    if not environment.has_alert_contacts:
        previous = ContactDraft.objects.filter(membership=membership).only("data", "environment").first()
        if previous is not None and holds_alert_choices(previous):
            data[ALERT_FIELD] = previous.data.get(ALERT_FIELD, [])
            environment = Environment(previous.environment)
    draft, _created = ContactDraft.objects.update_or_create(
        membership=membership,
        defaults={"data": data, "version": version, "environment": environment.value, "updated_at": timezone.now()},
    )
    return draft


def draft_for(membership):
    """The member's draft, or None; one older than 30 days is deleted instead."""
    draft = ContactDraft.objects.filter(membership=membership).first()
    if draft is not None and draft.updated_at < timezone.now() - DRAFT_MAX_AGE:
        draft.delete()
        return None
    return draft


def draft_discard(*, membership):
    """Forget the member's draft (discarded, or saved for real); True if there was one."""
    deleted, _by_model = ContactDraft.objects.filter(membership=membership).delete()
    return bool(deleted)


def drafts_purge(*, now=None):
    """Delete every draft older than 30 days; return how many."""
    now = now or timezone.now()
    deleted, _by_model = ContactDraft.objects.filter(updated_at__lt=now - DRAFT_MAX_AGE).delete()
    return deleted
