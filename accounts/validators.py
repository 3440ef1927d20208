"""Validators for what people type about themselves."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.identity import has_deliverable_domain


def validate_no_format_characters(value):
    """Refuse invisible format characters (Unicode Cf: bidi overrides, zero-width spaces) that disguise a name."""
    if any(unicodedata.category(ch) == "Cf" for ch in value or ""):
        raise ValidationError(
            _("Remove the invisible formatting characters (such as direction marks or zero-width spaces)."),
            code="format_characters",
        )


def validate_email_address(value):
    """Refuse addresses that cannot be one person's identity: invisible characters, or a domain mail cannot use."""
    if any(unicodedata.category(ch) == "Cf" for ch in value or ""):
        raise ValidationError(
            _("Remove the invisible formatting characters from this address (such as zero-width spaces)."),
            code="format_characters",
        )
    if not has_deliverable_domain(value):
        raise ValidationError(
            _("This address's domain is not one mail can be sent to: check it."), code="undeliverable_domain"
        )
