"""One identity for an email address, computed in one place, and a skeleton to spot look-alikes.

Comparing addresses with the database's UPPER() or LOWER() or Python's casefold() gives three
different answers for letters such as the dotless ı or the long ſ: on PostgreSQL `email__iexact`
found `admin@fıntech.example` when asked for `admin@fintech.example`. So every lookup is an exact
match on a stored canonical form, and look-alikes are refused up front by their skeleton.
"""

import contextlib
import unicodedata

import idna


def _split(address):
    local, _sep, domain = (address or "").strip().rpartition("@")
    return local, domain


def _domain_ascii(domain):
    """The domain as DNS sees it: UTS-46 mapping (case, width, compatibility forms), then A-labels."""
    try:
        return idna.encode(domain, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return domain.lower()  # not a valid domain name: compare it as typed, in lower case


def canonical_email(address):
    """The identity of an address: local part NFC-normalised and lower-cased, domain by UTS-46, lower case.

    Two addresses are the same account exactly when their canonical forms are equal.
    """
    local, domain = _split(address)
    if not domain:
        return unicodedata.normalize("NFC", (address or "").strip()).lower()
    return f"{unicodedata.normalize('NFC', local).lower()}@{_domain_ascii(domain)}"


def email_skeleton(address):
    """What an address looks like to a reader: NFKC, case-folded, accents and dots above dropped, ı as i.

    Only used to refuse a new account or invitation that looks like an existing one; never for identity,
    since it makes `ſ`, the Kelvin sign and fullwidth letters into plain ASCII.
    """
    local, domain = _split(canonical_email(address))
    with contextlib.suppress(idna.IDNAError, UnicodeError):  # not a valid domain: read it as it is
        domain = idna.decode(domain) if domain else domain
    text = f"{local}@{domain}" if domain else local
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    # Accents and dots above go, and so do invisible format characters (zero-width joiners and the like).
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf")
    return unicodedata.normalize("NFKC", text).replace("ı", "i")


def has_deliverable_domain(address):
    """Whether the address's domain is a valid internationalised domain name (UTS-46), as mail needs."""
    _local, domain = _split(address)
    try:
        idna.encode(domain, uts46=True, transitional=False)
    except (idna.IDNAError, UnicodeError):
        return False
    return True
