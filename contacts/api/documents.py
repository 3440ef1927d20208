"""The contact information as the API's JSON document, read from what is stored and written through the form.

A PUT is posted to the very form the modal and Settings use (contacts.forms.ContactInformationForm): its rules,
messages and codes are the API's, and an error is pointed at by where its field sits in the document.
"""

from django.forms.forms import NON_FIELD_ERRORS
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT
from django.http import QueryDict
from django.utils.translation import gettext as _

from accounts.identity import canonical_email
from accounts.models import User
from contacts.categories import ALERT, SUPPORT_HOURS, ContactCategory, Kind, categories_for
from contacts.forms import ContactInformationForm
from contacts.models import Weekday
from partners.environments import Environment

CONTACT_LISTS = [
    ContactCategory.TECHNICAL_EMERGENCY,
    ContactCategory.TECHNICAL_NON_EMERGENCY,
    ContactCategory.MERCHANT_ISSUES,
    ContactCategory.OPERATOR,
]
DAY_NUMBERS = {day.name.lower(): str(day.value) for day in Weekday}
DAY_NAMES = {day.value: day.name.lower() for day in Weekday}
NOT_A_MEMBER = "0"  # no user has id 0: the form refuses it with its own "choose among the users" message


def document_of(info):
    """The stored contact information as the API's document (three queries, as the activity log reads it)."""
    stored = info.as_dict()
    document = {"alert": stored["alert"]}
    for code in CONTACT_LISTS:
        fields = (
            ("email", "name", "phone") if code == ContactCategory.OPERATOR else ("email", "name", "phone", "language")
        )
        document[code] = [{name: contact[name] for name in fields} for contact in stored[code]]
    shared = stored[ContactCategory.SHARED][:1]
    document["shared"] = {name: shared[0][name] for name in ("email", "name", "phone", "url")} if shared else None
    hours = stored[SUPPORT_HOURS.code]
    document["support_hours"] = {
        "support_24_7": hours["support_24_7"],
        "windows": [{**window, "days": [DAY_NAMES[day] for day in window["days"]]} for window in hours["windows"]],
    }
    document["version"] = info.version
    document["updated_at"] = info.updated_at
    return document


def environment_for(partner):
    """The requirements a PUT must meet: Production's once the partner has launched or meets them now, else
    Sandbox's.

    Environments change only which requirements apply; the document is one for the account. A PUT is held to
    what its members would be held to: no requirement met today becomes unmet through the API, so a script cannot
    lock out the members working in Production (the stored answer: no query)."""
    if partner.launched_at or partner.contacts_complete(Environment.PRODUCTION):
        return Environment.PRODUCTION
    return Environment.SANDBOX


def _rows(data, prefix, rows):
    data[f"{prefix}-{TOTAL_FORM_COUNT}"] = str(len(rows))
    data[f"{prefix}-{INITIAL_FORM_COUNT}"] = "0"
    for number, row in enumerate(rows):
        for name, value in row.items():
            key = f"{prefix}-{number}-{name}"
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list):
                data.setlist(key, value)
            else:
                data[key] = value


def member_ids(partner, emails):
    """The ids of the partner's members with these addresses (one query), in order; NOT_A_MEMBER for the others."""
    # An address with a NUL is nobody's, and PostgreSQL refuses it even in a query: leave it out, never ask.
    wanted = {canonical_email(email): email for email in emails if "\x00" not in email}
    found = dict(
        User.objects.filter(memberships__partner=partner, email_canonical__in=list(wanted)).values_list(
            "email_canonical", "pk"
        )
    )
    return [str(found.get(canonical_email(email), NOT_A_MEMBER)) for email in emails]


def form_data(document, *, partner, version):
    """The document as the contact form's posted data, every category held: what a browser would post."""
    data = QueryDict(mutable=True)
    data["general-version"] = str(version)
    data.setlist("general-alert_contacts", member_ids(partner, document["alert"]))
    for code in CONTACT_LISTS:
        _rows(data, code, document[code])
    for name, value in (document["shared"] or {}).items():
        data[f"{ContactCategory.SHARED}-{name}"] = value
    hours = document["support_hours"]
    if hours["support_24_7"]:
        data["general-support_24_7"] = "on"
    windows = [{**window, "days": [DAY_NUMBERS.get(day, day) for day in window["days"]]} for window in hours["windows"]]
    _rows(data, SUPPORT_HOURS.code, windows)
    return data


def bound_form(document, *, info, version):
    """The contact form bound to the document, as the API validates and saves it (alert contacts included)."""
    data = form_data(document, partner=info.partner, version=version)
    return ContactInformationForm(data, info=info, environment=environment_for(info.partner), alerts_editable=True)


def document_errors(document, *, partner):
    """What is wrong with a document before the form can judge it, as form_errors reports: a category the partner's
    integration does not have (merchant issues), filled; text no database can store."""
    held = {category.code for category in categories_for(partner.integration_kind)}
    errors = []
    if document[ContactCategory.MERCHANT_ISSUES] and ContactCategory.MERCHANT_ISSUES not in held:
        errors.append(
            ([ContactCategory.MERCHANT_ISSUES.value], "not_applicable", _("This account has no such contacts."))
        )
    message = _("This text holds characters that are not valid Unicode.")
    errors.extend((path, "invalid_text", message) for path in unreadable_text(document))
    return errors


def unreadable_text(value, path=()):
    """Paths to strings no database can store: lone surrogates, which JSON escapes can carry but a browser's form
    never posts (it sends UTF-8)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [list(path)]
        return []
    if isinstance(value, dict):
        return [p for name, item in value.items() for p in unreadable_text(item, (*path, name))]
    if isinstance(value, list):
        return [p for number, item in enumerate(value) for p in unreadable_text(item, (*path, number))]
    return []


def _errors_of(form, path):
    """(path, code, message) for each error of one Django form; a form-wide error points at the form itself."""
    for field, errors in form.errors.as_data().items():
        where = path if field == NON_FIELD_ERRORS else [*path, field]
        for error in errors:
            for message in error.messages:
                yield where, error.code or "invalid", message


def _formset_errors(formset, path):
    for error in formset.non_form_errors().as_data():
        for message in error.messages:
            yield path, error.code or "invalid", message
    for number, form in enumerate(formset.forms):
        yield from _errors_of(form, [*path, number])


def form_errors(form):
    """Every error of a judged form as (path in the document, code, message): the form's own messages and codes."""
    errors = []
    for section in form.sections:
        code, kind = section.category.code, section.category.kind
        if kind is Kind.CONTACTS:
            errors.extend(_formset_errors(section.formset, [code]))
        elif kind is Kind.SHARED:
            errors.extend(_errors_of(section.form, [code]))
        elif kind is Kind.MEMBERS:  # one field, the whole list: its errors are the list's
            errors.extend(([ALERT.code], code, message) for _path, code, message in _errors_of(section.form, []))
        elif kind is Kind.HOURS:
            errors.extend(_errors_of(section.all_week, [code, "support_24_7"]))
            if not section.around_the_clock:
                errors.extend(_formset_errors(section.formset, [code, "windows"]))
    errors.extend(([requirement.category], requirement.code, str(requirement.message)) for requirement in form.missing)
    return errors
