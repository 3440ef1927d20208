"""Shared helpers of the tests: test data, signed-in clients, and what a browser would post back."""

import re
import threading
from html.parser import HTMLParser
from itertools import count

from django.db import connections
from django.test import Client

from accounts.models import User
from contacts.services import contact_information_for, contact_status_refresh, partner_create
from partners.environments import SESSION_KEY as ENVIRONMENT_KEY
from partners.models import Membership, Role

_numbers = count(1)
PASSWORD = "a-Long-test-passw0rd"
CONTACT_PREFIXES = ["technical_emergency", "technical_non_emergency", "merchant_issues", "operator"]


def make_partner(name=None, *, integration="reservations", phone_region="US", admin_email=None):
    """A partner with its first Admin, whose password is PASSWORD."""
    n = next(_numbers)
    partner, _admin, _created = partner_create(
        name=name or f"Partner {n}",
        integration=integration,
        admin_email=admin_email or f"admin{n}@partner{n}.example",
        admin_password=PASSWORD,
        admin_name=f"Admin {n}",
        phone_region=phone_region,
    )
    return partner


def make_member(partner, role=Role.EDITOR, *, email=None, name=""):
    """A new user who is a member of `partner` with `role`."""
    n = next(_numbers)
    user = User.objects.create_user(email=email or f"user{n}@example.com", password=PASSWORD, name=name)
    Membership.objects.create(user=user, partner=partner, role=role)
    return user


def admin_of(partner):
    """The first Admin of a partner."""
    return partner.memberships.admins().select_related("user").first().user


def contact_rows(prefix, rows, initial=0):
    """Posted data for one formset: rows are emails or dicts of field values."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for i, row in enumerate(rows):
        row = {"email": row} if isinstance(row, str) else row
        for key, value in row.items():
            if key == "days":
                continue
            data[f"{prefix}-{i}-{key}"] = value
    return data


def contact_form_data(
    *,
    version=0,
    alerts=(),
    technical_emergency=("oncall@acme.example",),
    technical_non_emergency=("dev@acme.example",),
    merchant_issues=("merchants@acme.example",),
    operator=("ops@acme.example",),
    shared=None,
    windows=None,
    support_24_7=False,
):
    """A complete, valid POST for an empty contact information; override any category to break it."""
    data = {"general-version": str(version)}
    if alerts:
        data["general-alert_contacts"] = [str(pk) for pk in alerts]
    if support_24_7:
        data["general-support_24_7"] = "on"
    for prefix, rows in zip(
        CONTACT_PREFIXES, (technical_emergency, technical_non_emergency, merchant_issues, operator), strict=True
    ):
        data.update(contact_rows(prefix, list(rows)))
    shared = {"email": "help@acme.example"} if shared is None else shared
    data.update({f"shared-{key}": value for key, value in shared.items()})
    if windows is None:
        windows = (
            []
            if support_24_7
            else [{"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00", "time_zone": "America/New_York"}]
        )
    data.update(contact_rows("support_hours", windows))
    for i, window in enumerate(windows):
        if "days" in window:
            data[f"support_hours-{i}-days"] = [str(day) for day in window["days"]]
    return data


def complete_contacts(partner, *, alerts=(), per_category=1, verified=True):
    """Fill a partner's contact information directly, valid for Production when alerts are given; its addresses
    confirmed by their owners unless `verified` is False (launch needs them verified)."""
    from contacts.models import Contact, SupportWindow

    info = contact_information_for(partner)
    for category in [*CONTACT_PREFIXES, "shared"]:
        for i in range(1 if category == "shared" else per_category):
            Contact.objects.create(contact_information=info, category=category, email=f"{category}{i}@acme.example")
    from datetime import time

    SupportWindow.objects.create(
        contact_information=info, days=0b11111, start=time(9), end=time(17), time_zone="Europe/Madrid"
    )
    if alerts:
        info.alert_contacts.set(alerts)
    if verified:
        verify_addresses(partner)
    contact_status_refresh(partner=partner, info=info)
    partner.refresh_from_db()
    return info


def verify_addresses(partner, *emails):
    """Record the partner's contact addresses (or `emails`) as confirmed by their owners, as if each used its link."""
    from django.utils import timezone

    from accounts.identity import canonical_email
    from contacts.models import AddressVerification

    addresses = {
        canonical_email(e) for e in emails or contact_information_for(partner).contacts.values_list("email", flat=True)
    }
    now = timezone.now()
    for address in addresses:
        AddressVerification.objects.update_or_create(
            partner=partner, address=address, defaults={"verified_at": now, "token_hash": None}
        )


def signed_in(user, environment=None):
    """A test client signed in as `user`, optionally working in an environment."""
    client = Client()
    client.force_login(user)
    if environment:
        session = client.session
        session[ENVIRONMENT_KEY] = environment
        session.save()
    return client


class _FormValues(HTMLParser):
    """Collects what a browser submits from the first form matching a marker attribute."""

    def __init__(self, marker):
        super().__init__()
        self.marker, self.depth, self.in_template, self.select = marker, 0, 0, None
        self.data = {}

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if self.depth or self.marker in attrs:
                self.depth += 1
            return
        if not self.depth:
            return
        if tag == "template":
            self.in_template += 1
        if self.in_template or "disabled" in attrs or not attrs.get("name"):
            if tag == "select":
                self.select = None
            return
        kind = attrs.get("type", "text")
        if tag == "input" and kind not in {"submit", "button", "reset"}:
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self._add(attrs["name"], attrs.get("value", "on"))
            else:
                self._add(attrs["name"], attrs.get("value", ""))
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self._add(self.select, attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form" and self.depth:
            self.depth -= 1
        elif tag == "template" and self.in_template:
            self.in_template -= 1
        elif tag == "select":
            self.select = None


def posted_values(response, marker="data-contact-form"):
    """The data a browser would post back, unchanged, from the contact form of a rendered page."""
    parser = _FormValues(marker)
    parser.feed(response.content.decode())
    return {name: values if len(values) > 1 else values[0] for name, values in parser.data.items()}


# Words that betray English left on a Spanish page.
ENGLISH_WORDS = re.compile(
    r"\b(the|and|contact information|contacts?|email|phone|name|save|remove|add|users?|required|"
    r"production|enter|choose|support|window|time zone|days?|start|end|sign out)\b",
    re.IGNORECASE,
)


def visible_text(html):
    """What a reader sees: no tags, scripts, datalists or attribute values."""
    html = re.sub(r"<(script|style|datalist|template)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    html = re.sub(r"\S+@\S+", " ", html)  # addresses are data, not our words
    return re.sub(r"\s+", " ", html)


def html_elements(html, tag, **attributes):
    """Elements of a page, parsed the way assertInHTML parses it, with a tag and attribute values.

    Attribute names are keywords with `_` for `-` (`aria_selected`) and `class_` for `class`; a value of
    None matches a boolean attribute (`disabled=None`). Render an element back with str() to search inside it.
    """
    from django.test.html import Element, parse_html

    wanted = {"class" if name == "class_" else name.replace("_", "-"): value for name, value in attributes.items()}
    found = []

    def walk(node):
        if not isinstance(node, Element):
            return
        present = dict(node.attributes)
        if node.name == tag and all(name in present and present[name] == value for name, value in wanted.items()):
            found.append(node)
        for child in node.children:
            walk(child)

    walk(parse_html(html))
    return found


def html_element(html, tag, **attributes):
    """The one element of a page with a tag and attribute values (see html_elements); fails unless exactly one."""
    found = html_elements(html, tag, **attributes)
    assert len(found) == 1, f"{len(found)} <{tag}> elements with {attributes}"
    return found[0]


def run_together(*functions):
    """Start the functions in threads at the same instant, each on its own database connection;
    return what each returned or raised (the outcome is what concurrency tests check)."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=pair) for pair in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results
