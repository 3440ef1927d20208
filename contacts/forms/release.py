"""Which release draws the page: part of the key of every cached rendering, so a deploy is never hidden."""

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings

# What a cached section is drawn from besides the data: templates, the catalogues, and the labels,
# help texts and widgets written in this app's code.
APP_DIR = Path(__file__).resolve().parent.parent
SOURCES = (("templates", "*.html"), ("locale", "*.po"), ("locale", "*.mo"), ("code", "*.py"))


def release():
    """The deployment's PORTAL_RELEASE, or else a fingerprint of the files that draw the page."""
    named = getattr(settings, "PORTAL_RELEASE", "")
    if named:
        return str(named)
    templates = tuple(str(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", []))
    return fingerprint(templates, tuple(str(d) for d in settings.LOCALE_PATHS), (str(APP_DIR),))


@cache
def fingerprint(templates, locales, code):
    """A short hash of every template, catalogue and source file under the given folders (once per process)."""
    roots = {"templates": templates, "locale": locales, "code": code}
    digest = hashlib.sha256()
    for kind, pattern in SOURCES:
        for root in map(Path, roots[kind]):
            for path in sorted(root.rglob(pattern)):
                digest.update(f"{kind}:{path.relative_to(root)}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
