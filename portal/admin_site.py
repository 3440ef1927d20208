"""The operators' Django admin, which the onboarding gate never blocks."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from contacts.decorators import contact_information_not_required_patterns


class PortalAdminSite(admin.AdminSite):
    """Django's admin, for operators (staff); every one of its views is exempt from the gate."""

    site_header = "Partner Portal operations"
    site_title = "Partner Portal operations"

    def get_urls(self):
        return contact_information_not_required_patterns(super().get_urls())


class PortalAdminConfig(AdminConfig):
    """Installs PortalAdminSite as django.contrib.admin.site, where every app registers its models."""

    default_site = "portal.admin_site.PortalAdminSite"
