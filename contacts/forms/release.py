"""Which release draws the page: part of the key of every cached rendering, so a deploy is never hidden."""

import hashlib
from functools import cache
from pathlib import Path

import django
import phonenumber_field
import phonenumbers
from django.conf import settings

# What a cached rendering is drawn from besides the data: templates, the catalogues, the labels, help texts and
# widgets written in the apps' code (the contact form draws on accounts' and partners' too), and the libraries
# that draw fields and name countries.
APP_DIR = Path(__file__).resolve().parent.parent
APP_DIRS = tuple(APP_DIR.parent / app for app in ("accounts", "partners", "contacts"))
SOURCES = (("templates", "*.html"), ("locale", "*.po"), ("locale", "*.mo"), ("code", "*.py"))
LIBRARIES = (django, phonenumber_field, phonenumbers)


def release():
    """The deployment's PORTAL_RELEASE, or else a fingerprint of the files that draw the page."""
    named = getattr(settings, "PORTAL_RELEASE", "")
    if named:
        return str(named)
    templates = tuple(str(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", []))
    code = tuple(str(d) for d in APP_DIRS)
    return fingerprint(templates, tuple(str(d) for d in settings.LOCALE_PATHS), code, libraries())


def libraries():
    """The installed versions of the libraries that draw the page, and the languages it is offered in."""
    languages = ",".join(code for code, _name in settings.LANGUAGES)
    return (*(f"{library.__name__}={library.__version__}" for library in LIBRARIES), languages)


@cache
def fingerprint(templates, locales, code, extra=()):
    """A short hash of every template, catalogue and source file under the given folders, and of `extra` (once
    per process)."""
    roots = {"templates": templates, "locale": locales, "code": code}
    digest = hashlib.sha256("\0".join(extra).encode())
    for kind, pattern in SOURCES:
        for root in map(Path, roots[kind]):
            for path in sorted(root.rglob(pattern)):
                digest.update(f"{kind}:{path.relative_to(root)}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
