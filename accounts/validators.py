"""Validators for what people type about themselves."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_no_format_characters(value):
    """Refuse invisible format characters (Unicode Cf: bidi overrides, zero-width spaces) that disguise a name."""
    if any(unicodedata.category(ch) == "Cf" for ch in value or ""):
        raise ValidationError(
            _("Remove the invisible formatting characters (such as direction marks or zero-width spaces)."),
            code="format_characters",
        )
