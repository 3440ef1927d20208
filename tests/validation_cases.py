"""The contact form's validation cases as one table, run through the form (test_contact_validation) and through the
API (test_api_validation): both must refuse each case at the same place, with the same message and code.

A case gives `contact_form_data` overrides (rows as emails or dicts of values, days as weekday numbers) and where
the error is, as a path in the API's document: (category,) for the category as a whole, (category, row, field) for
a field of a row, ("support_hours", "windows", row) for a window as a whole, ("shared", field).
"""

from dataclasses import dataclass, field

from contacts.models import Weekday

DAY_NAMES = {day.value: day.name.lower() for day in Weekday}


@dataclass(frozen=True)
class Case:
    id: str
    overrides: dict
    path: tuple
    code: str
    message: str  # the whole message, or its start when `prefix` is set
    prefix: bool = False
    saves: bool = field(default=False, repr=False)

    def matches(self, message):
        return message.startswith(self.message) if self.prefix else message == self.message


def window(days=(0,), start="09:00", end="17:00", time_zone="Europe/Madrid", **extra):
    return {"days": list(days), "start": start, "end": end, "time_zone": time_zone, **extra}


EMPTY = {
    "technical_emergency": [],
    "technical_non_emergency": [],
    "merchant_issues": [],
    "operator": [],
    "shared": {},
    "windows": [],
}

CASES = [
    Case(
        "email-invalid",
        {"technical_non_emergency": [{"email": "not-an-email", "name": "Dev team"}]},
        ("technical_non_emergency", 0, "email"),
        "invalid",
        "Enter a valid email address, like ops@example.com.",
    ),
    Case(
        "email-two-ats",
        {"technical_non_emergency": [{"email": "two@@acme.example"}]},
        ("technical_non_emergency", 0, "email"),
        "invalid",
        "Enter a valid email address, like ops@example.com.",
    ),
    Case(
        "email-line-break",
        {"technical_non_emergency": [{"email": "line\nbreak@acme.example"}]},
        ("technical_non_emergency", 0, "email"),
        "invalid",
        "Enter a valid email address, like ops@example.com.",
    ),
    Case(
        "email-too-long",
        {"technical_non_emergency": [{"email": "a" * 250 + "@acme.example"}]},
        ("technical_non_emergency", 0, "email"),
        "max_length",
        "An email address can have at most 254 characters (it has 263).",
    ),
    Case(
        "email-twice-in-a-category",
        {"operator": ["ops@acme.example", "OPS@Acme.Example"]},
        ("operator", 1, "email"),
        "duplicate",
        "OPS@acme.example is already in this category: change or remove one of them.",
    ),
    Case(
        "eleven-contacts",
        {"technical_emergency": [f"person{i}@acme.example" for i in range(11)]},
        ("technical_emergency",),
        "too_many",
        "At most 10 entries are allowed here: remove 1.",
    ),
    *(
        Case(
            f"phone-{phone}",
            {"operator": [{"email": "ops@acme.example", "phone": phone}]},
            ("operator", 0, "phone"),
            "invalid",
            "Enter a valid phone number",
            prefix=True,
        )
        for phone in ["12345", "+1 555", "call me", "+34 600"]
    ),
    Case(
        "name-too-long",
        {"operator": [{"email": "ops@acme.example", "name": "x" * 201}]},
        ("operator", 0, "name"),
        "max_length",
        "A name can have at most 200 characters (it has 201).",
    ),
    Case(
        "name-without-email",
        {"operator": [{"name": "Only a name"}]},
        ("operator", 0, "email"),
        "required",
        "Enter an email address for this contact.",
    ),
    Case(
        "shared-without-email",
        {"shared": {"name": "Support", "url": "https://acme.example/help"}},
        ("shared", "email"),
        "required",
        "Enter an email address for this contact.",
    ),
    Case(
        "shared-url-not-a-web-address",
        {"shared": {"email": "help@acme.example", "url": "javascript:alert(1)"}},
        ("shared", "url"),
        "invalid",
        "Enter a full web address, starting with https://.",
    ),
    Case(
        "unknown-time-zone",
        {"windows": [window(time_zone="Mars/Olympus_Mons")]},
        ("support_hours", "windows", 0, "time_zone"),
        "invalid",
        "“Mars/Olympus_Mons” is not a time zone we know. Pick one from the list, for example Europe/Madrid.",
    ),
    Case(
        "end-before-start",
        {"windows": [window(start="17:00", end="09:00")]},
        ("support_hours", "windows", 0, "end"),
        "end_before_start",
        "End must be after start.",
        prefix=True,
    ),
    Case(
        "overnight-ends-the-same-day",
        {"windows": [window(overnight=True)]},
        ("support_hours", "windows", 0, "overnight"),
        "not_overnight",
        "This window ends after it starts on the same day",
        prefix=True,
    ),
    Case(
        "window-without-days",
        {"windows": [window(days=())]},
        ("support_hours", "windows", 0, "days"),
        "required",
        "Choose at least one day.",
    ),
    Case(
        "window-without-a-start",
        {"windows": [window(start="")]},
        ("support_hours", "windows", 0, "start"),
        "required",
        "Enter a start time.",
    ),
    Case(
        "window-with-a-bad-time",
        {"windows": [window(end="5 pm")]},
        ("support_hours", "windows", 0, "end"),
        "invalid",
        "Enter a time such as 17:30.",
    ),
    Case(
        "windows-overlap",
        {"windows": [window(days=(0, 1, 2)), window(days=(2, 3), start="16:00", end="20:00")]},
        ("support_hours", "windows", 1),
        "overlap",
        "This window overlaps window 1 in Europe/Madrid: change its days or hours.",
    ),
    Case(
        "eleven-windows",
        {
            "windows": [
                window(days=(n % 7,), start=f"{8 + n // 7:02d}:00", end=f"{9 + n // 7:02d}:00", time_zone="UTC")
                for n in range(11)
            ]
        },
        ("support_hours", "windows"),
        "too_many",
        "At most 10 entries are allowed here: remove 1.",
    ),
    *(
        Case(f"empty-{path[0]}", EMPTY, path, code, message)
        for path, code, message in [
            (("technical_emergency",), "technical_emergency_required", "Add at least one technical emergency contact."),
            (("operator",), "operator_required", "Add at least one operational contact for the operator."),
            (("shared",), "shared_required", "Add the operational contact shared with users."),
            (("support_hours",), "support_hours_required", "Add at least one support window, or choose 24/7."),
        ]
    ),
]


def api_row(row):
    """A contact of contact_form_data's, as the API's document holds it."""
    row = {"email": row} if isinstance(row, str) else dict(row)
    row.setdefault("email", "")
    return row


def api_window(window):
    """A support window of contact_form_data's, as the API's document holds it: days by name."""
    return {**window, "days": [DAY_NAMES[day] for day in window["days"]]}


def api_document(
    *,
    technical_emergency=("oncall@acme.example",),
    technical_non_emergency=("dev@acme.example",),
    merchant_issues=("merchants@acme.example",),
    operator=("ops@acme.example",),
    shared=None,
    windows=None,
    support_24_7=False,
    alert=(),
):
    """The API's document for the same overrides as tests.helpers.contact_form_data, with the same defaults."""
    shared = {"email": "help@acme.example"} if shared is None else shared
    if windows is None:
        windows = [] if support_24_7 else [window(days=(0, 1, 2, 3, 4), end="17:00", time_zone="America/New_York")]
    return {
        "alert": list(alert),
        "technical_emergency": [api_row(row) for row in technical_emergency],
        "technical_non_emergency": [api_row(row) for row in technical_non_emergency],
        "merchant_issues": [api_row(row) for row in merchant_issues],
        "operator": [api_row(row) for row in operator],
        "shared": api_row(shared) if shared else None,
        "support_hours": {"support_24_7": support_24_7, "windows": [api_window(w) for w in windows]},
    }


def form_overrides(overrides):
    """contact_form_data's overrides for a case: booleans posted as a browser posts a ticked box."""
    posted = {}
    for name, value in overrides.items():
        if name == "windows":
            value = [{k: ("on" if v is True else v) for k, v in w.items() if v is not False} for w in value]
        posted[name] = value
    return posted
