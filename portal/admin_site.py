"""The operators' Django admin, which the onboarding gate never blocks, and which asks operators for a second
factor when OTP_REQUIRED_FOR_STAFF is on (production)."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.navigation import safe_next
from contacts.decorators import contact_information_not_required_patterns


class PortalAdminSite(admin.AdminSite):
    """Django's admin, for operators (staff); every one of its views is exempt from the gate."""

    site_header = "Partner Portal operations"
    site_title = "Partner Portal operations"

    def get_urls(self):
        return contact_information_not_required_patterns(super().get_urls())

    def has_permission(self, request):
        """Active staff, who passed a second factor in this session when the setting requires it."""
        if not super().has_permission(request):
            return False
        # Set by django-otp's OTPMiddleware: the device this session passed a second factor with.
        return not settings.OTP_REQUIRED_FOR_STAFF or getattr(request.user, "otp_device", None) is not None

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        """The admin's sign-in, with the portal's second step; staff still owing a second factor are sent to it."""
        # Imported here: this module is loaded with the app registry, before any model may be.
        from django.contrib.admin.forms import AdminAuthenticationForm

        from accounts.two_factor import authenticator_of, with_next
        from accounts.views import LoginView

        user = request.user
        if user.is_active and user.is_staff and not self.has_permission(request):
            next_url = safe_next(request, default="admin:index")
            if authenticator_of(user) is None:
                messages.info(request, _("Operators need two-factor sign-in to use the admin: set it up first."))
                return HttpResponseRedirect(with_next("two_factor:setup", next_url))
            return HttpResponseRedirect(with_next("two_factor:verify", next_url))
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(safe_next(request, default="admin:index"))
        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": user.get_username(),
            REDIRECT_FIELD_NAME: safe_next(request, default="admin:index"),
        }
        context.update(extra_context or {})
        request.current_app = self.name
        # The portal's LoginView, so a password alone never signs in someone who has an authenticator app.
        return LoginView.as_view(
            extra_context=context,
            authentication_form=self.login_form or AdminAuthenticationForm,
            template_name=self.login_template or "admin/login.html",
            redirect_authenticated_user=False,
        )(request)


class PortalAdminConfig(AdminConfig):
    """Installs PortalAdminSite as django.contrib.admin.site, where every app registers its models."""

    default_site = "portal.admin_site.PortalAdminSite"
