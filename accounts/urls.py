"""Sign in, sign out, reset or change a password (Django's views with the portal's forms), and the profile."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.forms import InvitedAdminPasswordResetForm
from accounts.views import LoginView, PasswordResetConfirmView, profile

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(form_class=InvitedAdminPasswordResetForm),
        name="password_reset",
    ),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(
            post_reset_login=True, post_reset_login_backend="django.contrib.auth.backends.ModelBackend"
        ),
        name="password_reset_confirm",
    ),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password-change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password-change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("profile/", profile, name="profile"),
    path("email/", include("accounts.email_urls")),
    path("two-factor/", include("accounts.two_factor_urls")),
]
