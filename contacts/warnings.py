"""Quality warnings about a partner's contact information: never blocking, each with a stable code.

Like completeness (contacts.completeness), the rules are one pure function, `quality_warnings`, over small frozen
facts; `warnings_for` gathers those facts from the database in a few queries. Addresses are compared by their
canonical form (accounts.identity.canonical_email) throughout.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from django.db.models import Max
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from accounts.identity import canonical_email
from accounts.models import OutgoingEmail
from contacts import categories as c
from contacts.models import Contact, ContactInformation
from contacts.notifications.models import Delivery
from partners.models import Activity

# The codes, in the order a category lists its warnings.
EMERGENCY_PERSONAL_ADDRESS = "emergency_personal_address"
EMERGENCY_SAME_AS_NON_EMERGENCY = "emergency_same_as_non_emergency"
FREE_MAIL_DOMAIN = "free_mail_domain"
EMERGENCY_PHONE_TOLL_FREE_OR_PREMIUM = "emergency_phone_toll_free_or_premium"
ADDRESS_OF_FORMER_MEMBER = "address_of_former_member"
DELIVERIES_FAILED = "deliveries_failed"
CODES = (
    EMERGENCY_PERSONAL_ADDRESS,
    EMERGENCY_SAME_AS_NON_EMERGENCY,
    FREE_MAIL_DOMAIN,
    EMERGENCY_PHONE_TOLL_FREE_OR_PREMIUM,
    ADDRESS_OF_FORMER_MEMBER,
    DELIVERIES_FAILED,
)

# What each warning says, and what to do about it. %(address)s is the address concerned.
MESSAGES = {
    EMERGENCY_PERSONAL_ADDRESS: _(
        "%(address)s looks like one person's address, and it is your only technical emergency contact: add a team "
        "alias (such as oncall@ or a pager address) so that an emergency reaches whoever is on duty."
    ),
    EMERGENCY_SAME_AS_NON_EMERGENCY: _(
        "%(address)s is both a technical emergency and a technical non-emergency contact: give emergencies an "
        "address of their own, so that they do not get lost among routine messages."
    ),
    FREE_MAIL_DOMAIN: _(
        "%(address)s is on a free email service: use an address on your company's domain, which stays with the "
        "company when people leave."
    ),
    EMERGENCY_PHONE_TOLL_FREE_OR_PREMIUM: _(
        "The phone number of %(address)s is toll-free or premium-rate, which often cannot be called from abroad: "
        "give a direct number."
    ),
    ADDRESS_OF_FORMER_MEMBER: _(
        "%(address)s belongs to someone who has left this account: replace it with the address of someone who is "
        "still here, or a team alias."
    ),
    DELIVERIES_FAILED: _(
        "Our last email to %(address)s could not be delivered: check the address, or replace it with one that works."
    ),
}

# Local parts (or words of one, split at . _ - +) that name a team, a role or a service rather than a person.
TEAM_WORDS = frozenset(
    """
    oncall on-call call pager pagerduty alert alerts alarm alarms emergency emergencies urgent escalation
    escalations incident incidents noc soc sre ops devops operations operation support helpdesk help desk
    service services servicedesk tech technical it infra infrastructure platform engineering eng dev devs
    developers developer team teams admin admins sysadmin sysadmins root hostmaster postmaster webmaster
    security abuse info contact contacts hello office mail integration integrations api monitoring monitor
    status duty 24x7 247 staff crew group booking bookings reservations orders partner partners customer
    customers care cs
    """.split()  # noqa: SIM905 - a word list reads better as words
)

# Free email services: exact domains, and brands whose country domains are all free (yahoo.es, gmx.de ...).
FREE_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com outlook.com live.com msn.com aol.com icloud.com me.com mac.com proton.me
    protonmail.com pm.me tutanota.com tuta.io mail.com zoho.com yahoo.com ymail.com rocketmail.com hotmail.com
    gmx.com gmx.net web.de mail.ru inbox.ru list.ru bk.ru yandex.com yandex.ru ya.ru qq.com 163.com 126.com
    sina.com naver.com
    """.split()  # noqa: SIM905 - a word list reads better as words
)
FREE_MAIL_BRANDS = frozenset({"yahoo", "hotmail", "gmx", "yandex", "live", "outlook"})
_COUNTRY_SUFFIX = re.compile(r"^(?:[a-z]{2,3})(?:\.[a-z]{2,3})?$")  # com, es, co.uk, com.br

_message = lazy(lambda text, params: str(text) % params, str)


@dataclass(frozen=True)
class Warning:  # the name: it shadows the builtin inside this module only, which never raises one
    """A weakness in the contact information worth fixing, with a stable code; it never blocks anything."""

    code: str
    category: str  # a category code (contacts.categories)
    address: str | None
    message: str  # translated when shown


@dataclass(frozen=True)
class ContactFact:
    """One contact row as the rules need it: its category, address, name and phone (E.164, or "")."""

    category: str
    email: str
    name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class QualityFacts:
    """All the quality rules need to know about one partner."""

    contacts: tuple[ContactFact, ...] = ()  # categories 2-6, in any order
    alert_emails: tuple[str, ...] = ()
    member_emails: frozenset[str] = frozenset()  # the members' sign-in addresses
    member_names: tuple[str, ...] = ()
    former_member_emails: frozenset[str] = frozenset()  # people who left the partner (and have not come back)
    failed_addresses: frozenset[str] = frozenset()  # addresses whose most recent delivery failed


def _canon(address):
    return canonical_email(address)


def _fold(text):
    """Lower case without accents: "García" reads as "garcia"."""
    text = unicodedata.normalize("NFKD", text or "").casefold()
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _name_forms(name):
    """The local parts a person's name is commonly turned into: ana.garcia, anagarcia, agarcia, ana, garcia ..."""
    words = [w for w in re.split(r"[^a-z0-9]+", _fold(name)) if w]
    if not words:
        return set()
    forms = {w for w in words if len(w) >= 3}
    if len(words) >= 2:
        first, last = words[0], words[-1]
        for sep in ("", ".", "_", "-"):
            forms |= {f"{first}{sep}{last}", f"{first[0]}{sep}{last}", f"{last}{sep}{first}", sep.join(words)}
    return forms


def _local_words(local):
    return [w for w in re.split(r"[._+\-]+", local) if w]


def is_team_alias(address):
    """Whether the address's local part names a team or role (oncall@, ops@, noc-pager@, support+acme@ ...)."""
    local = _fold(canonical_email(address).rpartition("@")[0])
    return local in TEAM_WORDS or any(word in TEAM_WORDS for word in _local_words(local))


def is_personal_address(address, *, names=(), member_emails=frozenset()):
    """Whether an address looks like one person's rather than a team alias.

    The heuristic: an address whose local part (or one of its words) names a team or role (TEAM_WORDS: oncall,
    ops, support, noc, pager ...) is never personal. Otherwise it is personal when it is a member's sign-in
    address, when its local part (without a +tag) is a form of a known person's name (the contact's own name or
    a member's: ana, garcia, ana.garcia, anagarcia, agarcia ...), or when it looks like first.last (two or three
    words of letters joined by dots or underscores).
    """
    if is_team_alias(address):
        return False
    if canonical_email(address) in {canonical_email(e) for e in member_emails}:
        return True
    local = _fold(canonical_email(address).rpartition("@")[0]).partition("+")[0]
    # A name with a team word in it ("Acme on-call") names a team: its words say nothing of a person.
    people = [name for name in names if not any(word in TEAM_WORDS for word in re.split(r"[^a-z0-9]+", _fold(name)))]
    if any(local in _name_forms(name) for name in people):
        return True
    return re.fullmatch(r"[a-z]{2,}(?:[._][a-z]{2,}){1,2}", local) is not None


def is_free_mail(address):
    """Whether the address is on a free email service (gmail.com, yahoo.es, gmx.de ...)."""
    domain = canonical_email(address).rpartition("@")[2]
    if domain in FREE_MAIL_DOMAINS:
        return True
    brand, _sep, suffix = domain.partition(".")
    return brand in FREE_MAIL_BRANDS and _COUNTRY_SUFFIX.match(suffix) is not None


def is_toll_free_or_premium(phone):
    """Whether a phone number (E.164) is toll-free or premium-rate; False for anything that does not parse."""
    if not phone:
        return False
    try:
        number = phonenumbers.parse(str(phone), None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
    )


def _warning(code, category, address):
    return Warning(code, category, address, _message(MESSAGES[code], {"address": address or ""}))


def quality_warnings(facts: QualityFacts) -> list[Warning]:
    """Every quality warning the facts call for, in page order: by category, then address, then code."""
    order = {category.code: n for n, category in enumerate(c.CATEGORIES)}
    by_category = {}
    for contact in facts.contacts:
        by_category.setdefault(contact.category, []).append(contact)
    former = {_canon(e) for e in facts.former_member_emails}
    failed = {_canon(e) for e in facts.failed_addresses}
    emergency = by_category.get(c.TECHNICAL_EMERGENCY.code, [])
    non_emergency = {_canon(x.email) for x in by_category.get(c.TECHNICAL_NON_EMERGENCY.code, [])}
    names = [x.name for x in facts.contacts if x.name] + list(facts.member_names)

    found = []
    seen = set()

    def add(code, category, address):
        key = (code, category, _canon(address) if address else None)
        if key not in seen:
            seen.add(key)
            found.append(_warning(code, category, address))

    for address in facts.alert_emails:
        if _canon(address) in former:
            add(ADDRESS_OF_FORMER_MEMBER, c.ALERT.code, address)
        if _canon(address) in failed:
            add(DELIVERIES_FAILED, c.ALERT.code, address)
    only_emergency = {_canon(x.email) for x in emergency}
    for category in sorted(by_category, key=lambda code: order.get(code, len(order))):
        is_emergency = category == c.TECHNICAL_EMERGENCY.code
        for contact in by_category[category]:
            address = contact.email
            if (
                is_emergency
                and len(only_emergency) == 1
                and is_personal_address(address, names=[contact.name, *names], member_emails=facts.member_emails)
            ):
                add(EMERGENCY_PERSONAL_ADDRESS, category, address)
            if is_emergency and _canon(address) in non_emergency:
                add(EMERGENCY_SAME_AS_NON_EMERGENCY, category, address)
            if (is_emergency or category == c.SHARED.code) and is_free_mail(address):
                add(FREE_MAIL_DOMAIN, category, address)
            if is_emergency and is_toll_free_or_premium(contact.phone):
                add(EMERGENCY_PHONE_TOLL_FREE_OR_PREMIUM, category, address)
            if _canon(address) in former:
                add(ADDRESS_OF_FORMER_MEMBER, category, address)
            if _canon(address) in failed:
                add(DELIVERIES_FAILED, category, address)
    return found


def warnings_for(partner, info=None) -> list[Warning]:
    """The partner's quality warnings, read in five queries (six without `info`; two when it has no address)."""
    if info is None:
        info, _created = ContactInformation.objects.get_or_create(partner=partner)
    contacts = tuple(
        ContactFact(category, email, name, str(phone or ""))
        for category, email, name, phone in Contact.objects.filter(contact_information=info)
        .values_list("category", "email", "name", "phone")
        .order_by("id")
    )
    alert_emails = tuple(info.alert_contacts.order_by("email").values_list("email", flat=True))
    addresses = {x.email for x in contacts} | set(alert_emails)
    if not addresses:  # nothing to warn about
        return []
    members = list(partner.memberships.order_by().values_list("user__email", "user__name"))
    member_emails = frozenset(email for email, _name in members)
    current = {_canon(email) for email in member_emails}
    removed = (
        Activity.objects.filter(
            partner=partner, action__in=[Activity.Action.MEMBER_REMOVED, Activity.Action.MEMBER_LEFT]
        )
        .order_by()
        .values_list("subject", flat=True)
        .distinct()
    )
    former = frozenset(e for e in set(removed) if e and _canon(e) not in current)
    # Deliveries carry the address as routing wrote it: the contact's or the user's, as stored here.
    latest = (
        Delivery.objects.filter(notification__partner=partner, address__in=addresses)
        .values("address")
        .annotate(last=Max("id"))  # ids grow: the most recent delivery to each address
        .order_by()
        .values("last")
    )
    failed = frozenset(
        Delivery.objects.filter(pk__in=latest, email__status=OutgoingEmail.Status.FAILED)
        .order_by()
        .values_list("address", flat=True)
    )
    return quality_warnings(
        QualityFacts(
            contacts=contacts,
            alert_emails=alert_emails,
            member_emails=member_emails,
            member_names=tuple(name for _email, name in members if name),
            former_member_emails=former,
            failed_addresses=failed,
        )
    )


def warnings_grouped(warnings):
    """The warnings by category, in page order: [(Category, [Warning, ...]), ...], empty categories left out."""
    grouped = {}
    for warning in warnings:
        grouped.setdefault(warning.category, []).append(warning)
    return [(category, grouped[category.code]) for category in c.CATEGORIES if category.code in grouped]


def warnings_in(warnings, category):
    """The warnings of one category (its code), for the field they are shown beside."""
    return [w for w in warnings if w.category == category]


def warnings_digest(warnings):
    """A short stable string naming these warnings (codes, categories, addresses), for cache keys; "" for none."""
    if not warnings:
        return ""
    parts = sorted((w.code, w.category, canonical_email(w.address) if w.address else "") for w in warnings)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def addresses_used_by(partner, user):
    """Where the user's address is used in the partner's contact information: [(Category, address), ...] in page
    order, as an alert contact and in contacts with the same canonical address. Two queries."""
    mine = canonical_email(user.email)
    used = []
    through = ContactInformation.alert_contacts.through
    if through.objects.filter(contactinformation__partner=partner, user=user).exists():
        used.append((c.ALERT, user.email))
    rows = Contact.objects.filter(contact_information__partner=partner).values_list("category", "email").order_by("id")
    order = {category.code: n for n, category in enumerate(c.CATEGORIES)}
    matching = sorted(
        ((category, email) for category, email in rows if canonical_email(email) == mine),
        key=lambda row: order[row[0]],
    )
    used.extend((c.CATEGORIES_BY_CODE[category], email) for category, email in matching)
    return used


def warnings_data(warnings):
    """The warnings as the partner stores them: [code, category, address] each."""
    return [[w.code, w.category, w.address] for w in warnings]


def warnings_stored(partner):
    """The warnings stored on the partner with its requirements (no query), with their messages."""
    return [_warning(code, category, address) for code, category, address in partner.quality_warnings if code in CODES]
