"""The cached renderings of the contact form, and everything each one is drawn from, in one place.

A rendering is kept under a key made of every input it depends on, so it never goes stale: a save raises the
version, a deploy changes the release, a member renamed changes the members shown, an address confirmed changes
the verifications shown, and each is a new key. That
is what lets a per-process cache sit in front of the shared one (settings.CACHES["fragments"]). What a page
draws per request (the CSRF token, what was typed, errors, drafts, the coverage of this hour) is never in them.

Four kinds of entries:
- the body of an unbound form: every section, the progress bar and the suggestion lists, one entry per form as
  rendered on a page, with the support windows it was drawn from (the coverage grid beside it is drawn per
  request from them, without reading them again);
- each section of that body, by its own content, for the first visit after a save: only the categories the
  save changed are drawn again;
- the empty row of a category (the <template> "Add another" clones), which does not depend on the version;
- a blank row shown in a category with no entry yet, which does not either (the modal's first visit).
"""

import hashlib
import json
from dataclasses import astuple, dataclass, fields, replace

from django.core.cache import caches
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from accounts.identity import canonical_email
from contacts.forms.release import release
from contacts.warnings import warnings_data

CACHE = "fragments"
TIMEOUT = 3600
# Between the two halves of a cached form body: where the coverage grid is drawn, per request.
COVERAGE_SLOT = "\x00coverage\x00"


def digest(parts):
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class FormBodyKey:
    """What the body of an unbound contact form is drawn from."""

    release: str  # templates, catalogues and code: a deploy draws anew
    language: str
    page: str  # where the form posts: its frame (the modal or Settings)
    partner: int
    integration: str  # which categories there are, and what each requires
    phone_region: str  # the country phones are read in
    info: int
    version: int  # raised by every save
    saved_at: str  # when: tells apart a database made anew, whose ids and versions start over
    outstanding: tuple  # what the stored completeness answer says is missing here
    environment: str
    read_only: bool
    only: str  # the one category held, or ""
    members: str  # the alert contacts' picker as stored: who is shown, named how, ticked or not
    # Every address's verification (Verified, Waiting for confirmation, Not delivered) and the one Resend acts on:
    # a confirmation, or an email failing for good, changes no version but changes what the rows show.
    verifications: str
    # The quality warnings shown beside the categories, as stored with the requirements (a failed delivery or a
    # member leaving changes them without a save).
    warnings: tuple

    @classmethod
    def of(cls, form, page):
        """The key of `form` (unbound, showing what is stored) drawn on the page posting to `page`."""
        partner = form.partner
        return cls(
            release=release(),
            language=get_language() or "",
            page=page,
            partner=partner.pk,
            integration=partner.integration,
            phone_region=partner.phone_region,
            info=form.info.pk,
            version=form.info.version,
            saved_at=form.info.updated_at.isoformat() if form.info.updated_at else "",
            outstanding=tuple(partner.missing_contacts(form.environment)),
            environment=form.environment.value,
            read_only=form.read_only,
            only=form.only or "",
            members=form.member_listing.digest if form.member_listing is not None else "",
            verifications=digest(sorted(form.info.address_states.items())),
            warnings=tuple(tuple(warning) for warning in partner.quality_warnings),
        )

    def __str__(self):
        return f"contact-form:{digest(astuple(self))}"


def shown_verifications(info, shown):
    """The verification of each address among `shown` values (rows as dicts, nested in lists), as the rows draw
    it: [(address, status, verification id)], read from the page's one query (ContactInformation.address_states)."""
    addresses, pending = [], [shown]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            if value.get("email"):
                addresses.append(canonical_email(str(value["email"])))
        elif isinstance(value, list | tuple):
            pending.extend(value)
    if not addresses:
        return []
    states = info.address_states
    return sorted((address, *astuple(states[address])) for address in set(addresses) if address in states)


@dataclass(frozen=True)
class SectionKey:
    """What one section of a form showing what is stored is drawn from: the form's frame (its key without the
    version, which any save raises) and the section's own content, so a save draws again only the categories it
    changed. Used when the form's body is drawn anew; a warm page reads the body whole."""

    frame: FormBodyKey  # version, save time, members and verifications blanked: the content says what it shows
    category: str
    content: str  # the values its forms show (rows, 24/7, the alert contacts chosen), the picker as shown, and
    # the verification of each address shown

    @classmethod
    def of(cls, body, section):
        frame = replace(body, version=0, saved_at="", members="", verifications="", warnings=())
        shown = [part.initial for part in section.parts()]
        listing = getattr(section.page, "listing", None) if section.category.code == "alert" else None
        verified = shown_verifications(section.page.info, shown)
        warned = warnings_data(section.warnings)
        content = json.dumps(
            [shown, listing.digest if listing else None, verified, warned], default=str, sort_keys=True
        )
        return cls(frame, section.category.code, digest(content))

    def __str__(self):
        return f"contact-section:{digest(astuple(self))}"


@dataclass(frozen=True)
class EmptyRowKey:
    """What a category's empty row is drawn from: never the stored rows, so it outlives every save."""

    release: str
    language: str
    category: str
    integration: str
    phone_region: str
    environment: str

    @classmethod
    def of(cls, section):
        partner = section.page.info.partner
        return cls(
            release=release(),
            language=get_language() or "",
            category=section.category.code,
            integration=partner.integration,
            phone_region=partner.phone_region,
            environment=section.page.environment.value,
        )

    def __str__(self):
        return f"contact-row:{digest(astuple(self))}"


@dataclass(frozen=True)
class BlankRowKey:
    """What a blank row of a form showing what is stored is drawn from (a category with no entry yet shows one):
    its category's empty row, numbered, so it too outlives every save."""

    row: EmptyRowKey
    number: int  # its legend: "Contact 1"
    fixed: bool  # the only row of a required category offers no "Remove"
    read_only: bool  # its fields are disabled

    def __str__(self):
        return f"contact-blank-row:{digest(astuple(self))}"


KEY_INPUTS = {
    key: tuple(field.name for field in fields(key)) for key in (FormBodyKey, SectionKey, EmptyRowKey, BlankRowKey)
}


@dataclass(frozen=True)
class FormBody:
    """A cached form body: its HTML before and after the coverage grid, and the support windows it shows."""

    before: str
    after: str
    has_slot: bool  # whether the coverage grid goes between them (the form holds the support hours)
    windows: tuple

    @classmethod
    def from_html(cls, html, windows):
        before, slot, after = html.partition(COVERAGE_SLOT)
        return cls(SafeString(before), SafeString(after), bool(slot), tuple(windows))


def form_body(key, draw):
    """The cached body under `key`, or the one `draw()` returns (kept for the next request)."""
    cache = caches[CACHE]
    key = str(key)
    body = cache.get(key)
    if body is None:
        body = draw()
        cache.set(key, body, TIMEOUT)
    return body
