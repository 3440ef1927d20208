"""The operators' Django admin, which the onboarding gate never blocks."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import URLPattern, URLResolver

from contacts.decorators import contact_information_not_required


def _mark_exempt(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            # Bound methods (the admin's own login and logout) carry attributes on their function.
            contact_information_not_required(getattr(pattern.callback, "__func__", pattern.callback))
        elif isinstance(pattern, URLResolver):
            _mark_exempt(pattern.url_patterns)
    return patterns


class PortalAdminSite(admin.AdminSite):
    """Django's admin, for operators (staff); every one of its views is exempt from the gate."""

    site_header = "Partner Portal operations"
    site_title = "Partner Portal operations"

    def get_urls(self):
        return _mark_exempt(super().get_urls())


class PortalAdminConfig(AdminConfig):
    """Installs PortalAdminSite as the default admin site."""

    default_site = "portal.admin_site.PortalAdminSite"
