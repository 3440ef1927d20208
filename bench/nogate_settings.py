"""(c) The portal exactly as deployed, minus the onboarding gate middleware."""

from portal.settings import *  # noqa: F403
from portal.settings import MIDDLEWARE

MIDDLEWARE = [m for m in MIDDLEWARE if m != "contacts.middleware.ContactInformationRequiredMiddleware"]
