"""URLs of the portal: the shell, accounts, contacts and the operators' admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from contacts.decorators import contact_information_not_required
from portal import users, views
from portal.forms import EmailAuthenticationForm, InvitedAdminPasswordResetForm


def account_view(view_class, **kwargs):
    """An auth view with our template, reachable while the contact information is incomplete."""
    return contact_information_not_required(view_class.as_view(**kwargs))


account_patterns = [
    path(
        "login/",
        account_view(
            auth_views.LoginView, authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", account_view(auth_views.LogoutView), name="logout"),
    path(
        "password-reset/",
        account_view(auth_views.PasswordResetView, form_class=InvitedAdminPasswordResetForm),
        name="password_reset",
    ),
    path("password-reset/sent/", account_view(auth_views.PasswordResetDoneView), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        account_view(
            auth_views.PasswordResetConfirmView,
            post_reset_login=True,
            post_reset_login_backend="django.contrib.auth.backends.ModelBackend",
        ),
        name="password_reset_confirm",
    ),
    path("reset/done/", account_view(auth_views.PasswordResetCompleteView), name="password_reset_complete"),
    path("password-change/", account_view(auth_views.PasswordChangeView), name="password_change"),
    path("password-change/done/", account_view(auth_views.PasswordChangeDoneView), name="password_change_done"),
]

portal_patterns = [
    path("", views.dashboard, name="dashboard"),
    path("help/", views.help_page, name="help"),
    path("environment/", views.switch_environment, name="switch_environment"),
    path("partner/", views.switch_partner, name="switch_partner"),
    path("launch/", views.launch, name="launch"),
    path("settings/users/", users.users, name="users"),
    path("settings/users/<int:pk>/role/", users.member_role_view, name="member_role"),
    path("settings/users/<int:pk>/remove/", users.member_remove_view, name="member_remove"),
    path("settings/invitations/<int:pk>/resend/", users.invitation_resend_view, name="invitation_resend"),
    path("settings/invitations/<int:pk>/revoke/", users.invitation_revoke_view, name="invitation_revoke"),
    path("settings/activity/", users.activity, name="activity"),
    path("invitations/<str:token>/", users.accept_invitation, name="accept_invitation"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("accounts/", include(account_patterns)),
    path("", include("contacts.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("healthz", views.health, name="health"),
    path("admin/", admin.site.urls),
]
