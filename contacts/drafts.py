"""Drafts of the contact information form: what a member typed and has not saved yet, kept server-side.

One draft per membership (it goes when the member leaves), stored as posted, with the version it was based on
and the environment it was typed in. Drafts older than 30 days are gone: `draft_for` never returns one, and the
`sweep` command deletes them.
"""

import json
from datetime import timedelta

from django.http import QueryDict
from django.utils import timezone

from contacts.categories import CATEGORIES_BY_CODE, Kind
from contacts.forms import ContactInformationForm
from contacts.forms.fields import VersionField
from contacts.forms.members import SEARCH_BUTTON, SEARCH_FIELD
from contacts.history import changes_since
from contacts.models import ContactDraft
from contacts.services import contact_information_for
from partners.environments import Environment
from partners.models import Membership

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


# A draft holds what the form can post, no more: its own fields (`general-…` and each category's rows), each
# value at most VALUE_LIMIT characters and the whole at most SIZE_LIMIT bytes; anything else is not a draft.
FIELD_PREFIXES = ("general-", *(f"{code}-" for code in CATEGORIES_BY_CODE))
VALUE_LIMIT = 1000
SIZE_LIMIT = 64 * 1024


def typed_data(data):
    """What was typed into a posted form, as {field name: [values]}: only the form's own fields, no token, no
    `next`, no button."""
    if hasattr(data, "lists"):
        lists = data.lists()
    else:
        lists = ((name, value if isinstance(value, list) else [value]) for name, value in data.items())
    return {
        # NUL cannot be stored in PostgreSQL's JSON, and no field of ours takes it: it is dropped.
        name: [str(value).replace("\x00", "")[:VALUE_LIMIT] for value in values]
        for name, values in lists
        if name not in NOT_TYPED and name.startswith(FIELD_PREFIXES)
    }


def draft_post(draft):
    """A draft's data as a posted form (a QueryDict) filled from the draft's version, to build the form again."""
    post = QueryDict(mutable=True)
    for name, values in draft.data.items():
        post.setlist(name, [str(value) for value in values])
    post[VERSION_FIELD] = str(draft.version)
    return post


def holds_alert_choices(draft):
    """Whether the draft holds alert contacts the member chose (typed in Production), rather than none at all."""
    if ALERT_FIELD not in draft.data or draft.environment not in Environment.values:
        return False
    return Environment(draft.environment).has_alert_contacts


def draft_save(*, membership, data, version, environment):
    """Keep what `membership`'s user typed (a posted form) as their draft, based on contact information `version`.

    Alert contacts are posted only in Production: a draft typed elsewhere keeps the alert contacts chosen in the
    draft it replaces, and is then recorded as holding Production's choices.
    """
    data = typed_data(data)
    if len(json.dumps(data)) > SIZE_LIMIT:
        return None  # no form of ours is that large
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
    draft_mark(membership, draft.updated_at)
    return draft


def draft_mark(membership, saved_at):
    """Record on the membership when its draft was kept (None: it has none), for draft_for to trust."""
    Membership.objects.filter(pk=membership.pk).update(draft_saved_at=saved_at)
    membership.draft_saved_at = saved_at


def draft_for(membership):
    """The member's draft, or None; one older than 30 days is deleted instead. A membership that records no
    draft has none: no query."""
    if membership.draft_saved_at is None:
        return None
    draft = ContactDraft.objects.filter(membership=membership).first()
    if draft is None or draft.updated_at < timezone.now() - DRAFT_MAX_AGE:
        draft_discard(membership=membership)  # gone (an operator deleted it) or too old: the record follows
        return None
    return draft


def draft_discard(*, membership):
    """Forget the member's draft (discarded, or saved for real); True if there was one."""
    deleted, _by_model = ContactDraft.objects.filter(membership=membership).delete()
    if membership.draft_saved_at is not None or deleted:
        draft_mark(membership, None)
    return bool(deleted)


def drafts_purge(*, now=None):
    """Delete every draft older than 30 days; return how many."""
    cutoff = (now or timezone.now()) - DRAFT_MAX_AGE
    deleted, _by_model = ContactDraft.objects.filter(updated_at__lt=cutoff).delete()
    Membership.objects.filter(draft_saved_at__lt=cutoff).update(draft_saved_at=None)
    return deleted


def posted_version(post):
    """The version of the contact information a posted form was filled from, or None."""
    return VersionField().parse(post.get(VERSION_FIELD))


def stored_alert_ids(info):
    """The stored alert contacts, as a draft holds them."""
    return {str(pk) for pk in info.alert_contacts.values_list("pk", flat=True)}


def carries_alert_choices(draft, info):
    """Whether a draft holds alert contacts chosen in Production that are not the stored ones.

    They are posted only in Production: elsewhere the form cannot show them, but the draft must keep them.
    """
    return (
        draft is not None
        and holds_alert_choices(draft)
        and set(draft.data.get(ALERT_FIELD, [])) != stored_alert_ids(info)
    )


def category_fields(code):
    """Whether a posted field name belongs to the category `code` (its rows, or its one `general-` field)."""
    own = {Kind.MEMBERS: ALERT_FIELD, Kind.HOURS: "general-support_24_7"}.get(CATEGORIES_BY_CODE[code].kind)
    return lambda name: name.startswith(f"{code}-") or name == own


def draft_categories(data):
    """The categories a draft holds changes to, as codes."""
    return {code for code in CATEGORIES_BY_CODE if any(map(category_fields(code), data))}


def draft_keep(*, membership, environment, post, version=None):
    """Keep what a posted contact form changes as the member's draft: the categories that differ from what is
    stored, and only those, so that a colleague's later save of the others is never undone by restoring it.

    Returns the draft, or None when there is nothing to keep (or the post names no version: not our form).
    """
    version = posted_version(post) if version is None else version
    if version is None:
        return None
    info = contact_information_for(membership.partner)
    environment = Environment(environment)
    form = ContactInformationForm(post, info=info, environment=environment)
    changed = [category_fields(section.category.code) for section in form.sections if section.has_changed()]
    data = {name: values for name, values in typed_data(post).items() if any(test(name) for test in changed)}
    if not data and not (
        not environment.has_alert_contacts
        and carries_alert_choices(ContactDraft.objects.filter(membership=membership).first(), info)
    ):
        draft_discard(membership=membership)
        return None
    return draft_save(membership=membership, data=data, version=version, environment=environment)


def draft_after_save(*, membership, environment, post, info):
    """After the full form is saved: the draft goes, unless it carries alert contacts a Sandbox save could not
    hold (chosen in Production, not saved yet); then it keeps them alone, on the new version."""
    previous = ContactDraft.objects.filter(membership=membership).first()
    if not Environment(environment).has_alert_contacts and carries_alert_choices(previous, info):
        return draft_save(membership=membership, data={}, version=info.version, environment=environment)
    draft_discard(membership=membership)
    return None


def draft_after_section_save(*, membership, category, post, info):
    """After one section is saved on its own page: the member's full-form draft forgets that section, so it does
    not bring the old values back; if nobody else saved meanwhile, it moves to the new version."""
    draft = ContactDraft.objects.filter(membership=membership).first()
    if draft is None:
        return None
    belongs = category_fields(category)
    draft.data = {name: values for name, values in draft.data.items() if not belongs(name)}
    if not draft.data:
        draft_discard(membership=membership)  # the section's save was the whole draft
        return None
    if draft.version == posted_version(post):
        draft.version = info.version
    draft.save(update_fields=["data", "version"])
    return draft


def draft_restore(draft, *, info, environment):
    """The form with the draft's categories as the member left them and the others as stored now, unjudged; and
    the changes since, when the draft is based on an older version (None otherwise)."""
    typed = ContactInformationForm(draft_post(draft), info=info, environment=environment)
    stored = ContactInformationForm(info=info, environment=environment)
    held = draft_categories(draft.data)
    shown = {
        mine.category.code: (mine if mine.category.code in held else theirs).shown()
        for mine, theirs in zip(typed.sections, stored.sections, strict=True)
    }
    shown["version"] = info.version
    form = ContactInformationForm(info=info, environment=environment, shown=shown)
    if draft.version == info.version:
        return form, None
    # Like a stale save: the draft kept, on the current version, with what changed meanwhile.
    return form, changes_since(info.partner, draft.version)
