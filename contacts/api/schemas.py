"""The API's documents as typed schemas: the OpenAPI document is generated from these, never written by hand.

They check shape only (which fields, of which JSON types; no field unknown). Every rule about the values (a valid
email, a phone, days and times, what each category needs) is the contact form's, applied by contacts.api.documents: so a
value the form requires defaults to empty here, and a missing one gets the form's own message and code.
"""

from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict

from contacts.models import Weekday

DAY_NAMES = [day.name.lower() for day in Weekday]
DAYS_HELP = f"Days of the week: {', '.join(DAY_NAMES)}."


class Strict(Schema):
    """A document that refuses fields it does not know: a misspelt field is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Contact(Strict):
    email: str = Field("", description="The contact's email address.", examples=["oncall@example.com"])
    name: str = Field("", description="A person's or team's name.")
    phone: str = Field(
        "",
        description="A phone number: E.164 (+34612345678) or as written in the partner's phone region. "
        "Answers give E.164.",
    )
    language: str = Field(
        "", description="The language of the emails this contact receives: en, es, or '' for the account's."
    )


class OperatorContact(Strict):
    """The operator's contact is called, never emailed notifications: it has no language."""

    email: str = Field("", description="The contact's email address.")
    name: str = ""
    phone: str = Field("", description="As for other contacts.")


class SharedContact(Strict):
    email: str = Field("", description="The public support address given to users.")
    name: str = ""
    phone: str = Field("", description="As for other contacts.")
    url: str = Field("", description="The support page, starting with https://.")


class SupportWindow(Strict):
    days: list[str] = Field(default_factory=list, description=DAYS_HELP, examples=[["monday", "tuesday"]])
    start: str = Field("", description="Local time HH:MM.", examples=["09:00"])
    end: str = Field("", description="Local time HH:MM.", examples=["17:30"])
    overnight: bool = Field(False, description="The window ends the next day (end earlier than start).")
    time_zone: str = Field("", description="An IANA time zone.", examples=["Europe/Madrid"])


class SupportHours(Strict):
    support_24_7: bool = Field(description="Support 24 hours a day, 7 days a week; it replaces the windows.")
    windows: list[SupportWindow] = Field(description="Support windows (ignored, and removed, with 24/7).")


class ContactInformationIn(Strict):
    """The whole contact information: a PUT replaces every category with what it holds, as the form does."""

    alert: list[str] = Field(
        description="Alert contacts: email addresses of the partner's portal users (they must be members)."
    )
    technical_emergency: list[Contact]
    technical_non_emergency: list[Contact]
    merchant_issues: list[Contact] = Field(
        description="Only for integrations that have merchants; must be empty for the others."
    )
    operator: list[OperatorContact]
    shared: SharedContact | None = Field(description="The single contact shared with users, or null.")
    support_hours: SupportHours


class ContactInformationOut(ContactInformationIn):
    version: int = Field(description="Raised by every change; the ETag carries it. Send it back in If-Match.")
    updated_at: datetime | None


class RequirementsAnswer(Schema):
    missing: list[str] = Field(description="What the gate asks for now: the past-due requirements' codes.")
    past_due: list[str]
    currently_due: list[str]
    eventually_due: list[str]
    current_deadline: datetime | None = Field(description="The earliest deadline of the currently due ones.")
    deadlines: dict[str, datetime] = Field(description="Each due requirement's deadline, by code.")


class Requirements(Schema):
    """The completeness answer in both environments: the same answer the onboarding gate reads."""

    sandbox: RequirementsAnswer
    production: RequirementsAnswer
    warnings: list[str] = Field(description="Quality warnings' codes: advice that never blocks.")


class Notification(Schema):
    id: int
    kind: str
    event: str
    environment: str
    subject: str
    raised_at: datetime
    raised_by: str
    test: bool = Field(description="A test message sent from Settings, not a real notification.")
    acknowledged_at: datetime | None
    acknowledged_by: str
    escalated_at: datetime | None


class ProblemError(Schema):
    pointer: str = Field(description="RFC 6901 JSON pointer to the value at fault in the request's document.")
    code: str = Field(description="A stable code, as the form reports it.")
    detail: str = Field(description="The message the form shows, in the request's language (Accept-Language).")


class Problem(Schema):
    """An RFC 9457 problem document (application/problem+json)."""

    type: str
    title: str
    status: int
    code: str
    detail: str = ""
    errors: list[ProblemError] = Field(default_factory=list)
    current_version: int | None = None
