"""The contact information form: every category (or one), validated together and saved together."""

from dataclasses import asdict
from functools import cached_property

from django.utils.translation import gettext_lazy as _

from accounts.forms import Form
from contacts.categories import ALERT, SAME_AS, categories_for
from contacts.completeness import REQUIREMENTS, ContactCounts, missing_requirements
from contacts.forms.base import Page
from contacts.forms.fields import VersionField
from contacts.forms.members import MemberListing
from contacts.forms.sections import section_for
from partners.environments import Environment


class VersionForm(Form):
    """The part of the page that is no category: the version of the contact information it was filled from."""

    version = VersionField()


class ContactInformationForm:
    """Every category of a partner's contact information, one section each, validated and saved as one form.

    Bound to posted `data`, it judges them. Unbound, it shows the stored contact information, or the
    `shown` values of another form (see `redisplay`).

    With `only` (a category code), it holds that one category: it is judged with the stored counts of every
    other category, reports what that category alone lacks, and saves that category alone.

    `alerts_editable` says whether it takes alert contacts; by default only where they exist (Production). The
    API's document holds them in both environments: it says True.
    """

    body_key = None  # the key of its cached body (contacts.fragments), set by the page that caches it

    def __init__(self, data=None, *, info, environment, read_only=False, shown=None, only=None, alerts_editable=None):
        self.info, self.partner = info, info.partner
        self.environment = Environment(environment)
        self.read_only = read_only
        categories = categories_for(self.partner.integration_kind)
        if only is not None:
            categories = [category for category in categories if category.code == only]
            if not categories:
                raise ValueError(f"{only!r} is no category of this partner's contact information.")
        self.categories, self.only, self.data = categories, only, data
        if alerts_editable is None:
            alerts_editable = self.environment.has_alert_contacts
        self.alerts_editable = alerts_editable and not read_only
        self.shown = shown
        version = info.version if shown is None else shown["version"]
        self.general = VersionForm(data, prefix="general", initial={"version": version})
        self.missing = []
        self.checked = None

    @property
    def shows_stored(self):
        """Whether the form shows the stored contact information, unjudged: the only kind drawn from a cache."""
        return not self.is_bound and self.shown is None

    @cached_property
    def member_listing(self):
        """The alert contacts' picker as stored (one query), for a form that shows what is stored; else None."""
        if not self.shows_stored or not any(category.code == ALERT.code for category in self.categories):
            return None
        return MemberListing.load(self.info)

    @cached_property
    def page(self):
        """The stored rows every section is drawn from: read only when a section is built (a cached rendering
        of the form needs none of them)."""
        return Page.load(
            self.info, environment=self.environment, alerts_editable=self.alerts_editable, listing=self.member_listing
        )

    @cached_property
    def sections(self):
        """One section per category held, built from the posted data, the shown values or the stored rows."""
        data, shown, read_only = self.data, self.shown, self.read_only
        outstanding = {REQUIREMENTS[code].category for code in self.partner.missing_contacts(self.environment)}
        sections = [
            section_for(
                category,
                self.page,
                data,
                shown=None if shown is None else shown.get(category.code),
                outstanding=category.code in outstanding,
            )
            for category in self.categories
        ]
        for section in sections:
            section.body_key = self.body_key
        held = {section.category.code for section in sections}
        for section in sections:
            source = SAME_AS.get(section.category.code)
            if source is not None and source.code in held and not read_only:
                section.copy_from = source
        if read_only:
            for section in sections:
                section.read_only = True
                for form in section.forms():
                    for field in form.fields.values():
                        field.disabled = True
        return sections

    @property
    def is_bound(self):
        return self.general.is_bound

    @property
    def version(self):
        """The version of the contact information this form was filled from (once validated)."""
        return self.general.cleaned_data["version"]

    @property
    def posted_version(self):
        """The version the posted form says it was filled from, read by the version field's rule; or None."""
        return self.general.fields["version"].parse(self.general["version"].data)

    def is_stale(self):
        """Whether the posted form was filled from an older version than the one stored now."""
        return self.posted_version is not None and self.posted_version != self.info.version

    def redisplay(self, *, rebase_on=None):
        """What was posted, in an unbound form that shows it without judging it (no errors).

        Used when the user only asked for another row (the posted version kept), and after a conflict,
        rebased on the current contact information `rebase_on`: saving again replaces it knowingly.
        """
        info = rebase_on or self.info
        shown = {section.category.code: section.shown() for section in self.sections}
        shown["version"] = info.version if rebase_on else self.general["version"].value()
        return type(self)(info=info, environment=self.environment, shown=shown, only=self.only)

    @property
    def progress(self):
        """(complete, needed): how many of the categories this environment needs hold what they must, as the
        stored completeness answer says. Alert contacts count only in Production, where they are needed."""
        needed = [section for section in self.sections if section.required_here]
        return sum(not section.outstanding for section in needed), len(needed)

    def suggestions(self):
        """The email addresses and names already on the form, stored or typed, for the suggestion lists.

        Drawn per request (what was typed is in it): never cached with the sections.
        """
        emails, names = {}, {}
        entries = [(row.email, row.name) for rows in self.page.contacts.values() for row in rows]
        for section in self.sections:
            for form in section.forms():
                if "email" in form.fields and "name" in form.fields:
                    entries.append((form["email"].value(), form["name"].value()))
        for email, name in entries:
            email, name = str(email or "").strip(), str(name or "").strip()
            if email and email.lower() not in emails:
                emails[email.lower()] = (email, name)
            if name and name.lower() not in names:
                names[name.lower()] = name
        return {"emails": list(emails.values()), "names": list(names.values())}

    @property
    def settled_sections(self):
        """Categories that are complete or not needed in this environment, and have nothing to fix."""
        return [s for s in self.sections if not s.outstanding and not s.has_errors]

    def has_changed(self):
        """Whether the posted form differs from the stored contact information: something typed, worth a draft."""
        return self.is_bound and any(section.has_changed() for section in self.sections)

    def is_valid(self):
        """Validate every section, then ask completeness what is still missing; all errors are reported at once."""
        if self.read_only or not self.is_bound:
            return False
        if self.checked is None:
            valid = [self.general.is_valid(), *[section.is_valid() for section in self.sections]]
            posted = {k: v for s in self.sections for k, v in s.counts().items()}
            # One section is judged with what the other categories hold now: saving it cannot be blocked
            # by another category, and completes the account when it was the last thing missing.
            stored = asdict(self.info.counts()) if self.only is not None else {}
            counts = ContactCounts.from_mapping({**stored, **posted})
            missing = missing_requirements(
                counts, integration=self.partner.integration_kind, environment=self.environment
            )
            self.missing = [r for r in missing if self.only is None or r.category == self.only]
            by_code = {section.category.code: section for section in self.sections}
            for requirement in self.missing:
                by_code[requirement.category].errors.append(requirement.message)
            self.checked = all(valid) and not self.missing
        return self.checked

    def error_summary(self):
        """Every error on the page as (link target, text), in page order, for the summary on top."""
        summary = [entry for section in self.sections for entry in section.error_summary()]
        if self.general.errors:  # the hidden version: only a tampered or truncated post gets here
            summary.insert(0, ("#error-summary", _("The form arrived incomplete: reload the page and try again.")))
        return summary

    def save(self):
        """Write every category held (with `only`, that one), 24/7 included; the caller holds the transaction and
        the version check."""
        if not self.is_valid():
            raise ValueError("Only a valid contact information form can be saved.")
        for section in self.sections:
            section.save()
        return self.info
