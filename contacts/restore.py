"""Restoring a recorded version of the contact information: the activity log's snapshot turned back into what the
form would post, and saved through the form like any other save: the same rules, the same version check, the same
record in the activity log and the same emails to whoever the routing change concerns.

The version restored is the one before a recorded change (its `before`): "undo this change, and what followed".
"""

from django.http import QueryDict
from django.utils.translation import gettext as _

from accounts.identity import canonical_email
from accounts.models import User
from contacts.categories import ALERT, SUPPORT_HOURS, ContactCategory
from contacts.forms import ContactInformationForm
from contacts.forms.formsets import MAX_FORMS_PER_CATEGORY
from contacts.services import ContactInformationConflict, contact_information_for, contact_information_save
from partners.environments import Environment
from partners.models import Activity

# The categories kept as rows of contacts (the shared contact is one form of its own).
CONTACT_ROWS = [code for code in ContactCategory.values if code != ContactCategory.SHARED]
CONTACT_FIELDS = ("email", "name", "phone", "language")
SHARED_FIELDS = ("email", "name", "phone", "url")
WINDOW_FIELDS = ("start", "end", "time_zone")


class RestoreRefused(Exception):
    """The version cannot be restored as it is: `problems` says why, one sentence each; nothing was saved."""

    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def version_before(activity):
    """The contact information as it was before a recorded change: its snapshot, without the version number."""
    return {key: value for key, value in (activity.before or {}).items() if key != "version"}


def is_restorable(snapshot):
    """Whether a snapshot holds a version as data (not the text older records kept) with an emergency contact:
    only such a version can be turned back into a form, and none without one could be saved."""
    contacts = [snapshot.get(code, []) for code in [*CONTACT_ROWS, ContactCategory.SHARED]]
    hours = snapshot.get(SUPPORT_HOURS.code, {})
    return (
        all(isinstance(rows, list) and all(isinstance(row, dict) for row in rows) for rows in contacts)
        and isinstance(snapshot.get(ALERT.code, []), list)
        and isinstance(hours, dict)
        and all(isinstance(window, dict) for window in hours.get("windows", []))
        and bool(snapshot.get(ContactCategory.TECHNICAL_EMERGENCY))
    )


def restore_data(snapshot, *, version, alert_ids=()):
    """What the contact information form would post to hold `snapshot`, filled from `version`: a QueryDict.

    Phones are posted in E.164, which the form reads whatever country it starts in; alert contacts as the ids of
    the members `alert_ids` names (the snapshot keeps addresses).
    """
    data = QueryDict(mutable=True)
    data["general-version"] = str(version)
    data.setlist("general-alert_contacts", [str(pk) for pk in alert_ids])
    for code in CONTACT_ROWS:
        _rows(data, code, snapshot.get(code) or [], CONTACT_FIELDS)
    shared = (snapshot.get(ContactCategory.SHARED) or [{}])[0]
    for name in SHARED_FIELDS:
        data[f"{ContactCategory.SHARED}-{name}"] = str(shared.get(name) or "")
    hours = snapshot.get(SUPPORT_HOURS.code) or {}
    if hours.get("support_24_7"):
        data["general-support_24_7"] = "on"
    windows = hours.get("windows") or []
    _rows(data, SUPPORT_HOURS.code, windows, WINDOW_FIELDS)
    for index, window in enumerate(windows[:MAX_FORMS_PER_CATEGORY]):
        data.setlist(f"{SUPPORT_HOURS.code}-{index}-days", [str(day) for day in window.get("days", [])])
        if window.get("overnight"):
            data[f"{SUPPORT_HOURS.code}-{index}-overnight"] = "on"
    return data


def _rows(data, prefix, rows, fields):
    rows = rows[:MAX_FORMS_PER_CATEGORY]
    data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
    data[f"{prefix}-INITIAL_FORMS"] = "0"
    for index, row in enumerate(rows):
        for name in fields:
            data[f"{prefix}-{index}-{name}"] = str(row.get(name) or "")


def alert_members(partner, addresses):
    """({canonical address: user id} of the partner's members among `addresses`, [addresses of no member])."""
    wanted = {canonical_email(address): address for address in addresses}
    found = dict(
        User.objects.filter(memberships__partner=partner, email_canonical__in=wanted).values_list(
            "email_canonical", "pk"
        )
    )
    return found, [address for canonical, address in wanted.items() if canonical not in found]


def restore_form(*, info, snapshot, version):
    """(the contact information form bound to `snapshot`, problems no form field can report).

    The form works in Production when the version had alert contacts (they are restored too); otherwise in
    Sandbox, where alert contacts are kept as they are (a version without any cannot be saved in Production).
    """
    problems = []
    alerts = snapshot.get(ALERT.code) or []
    found, gone = alert_members(info.partner, alerts)
    for address in gone:
        problems.append(
            _("%(email)s is no longer a user of this account, so it cannot be an alert contact again.")
            % {"email": address}
        )
    environment = Environment.PRODUCTION if alerts else Environment.SANDBOX
    data = restore_data(snapshot, version=version, alert_ids=found.values())
    return ContactInformationForm(data, info=info, environment=environment), problems


def contact_information_restore(*, activity, actor, version):
    """Save the version before a recorded change again, as `actor`, filled from `version` (the version the person
    confirming saw). Returns the activity entry of the save.

    Raises ContactInformationConflict when the contact information changed since `version`, and RestoreRefused
    when that version no longer passes the rules (an alert contact who has left, say); then nothing is saved.
    """
    snapshot = version_before(activity)
    if not is_restorable(snapshot):
        raise RestoreRefused([_("This version cannot be restored: change the contact information by hand instead.")])
    info = contact_information_for(activity.partner)
    form, problems = restore_form(info=info, snapshot=snapshot, version=version)
    if version is None or form.is_stale():
        raise ContactInformationConflict(info.version)
    if not form.is_valid() or problems:
        raise RestoreRefused(problems + [text for _target, text in form.error_summary()])
    saved = contact_information_save(form=form, actor=actor)
    entry = Activity.objects.filter(
        partner=activity.partner, action=Activity.Action.CONTACTS_UPDATED, after__version=saved.version
    ).first()
    if entry is not None:  # the log says it was a restore, and of which change
        entry.after = {**entry.after, "restored_from": activity.pk}
        entry.save(update_fields=["after"])
    return entry
