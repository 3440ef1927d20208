"""URLs of the portal: the shell, accounts, contacts and the operators' admin."""

from django.contrib import admin
from django.urls import include, path

import accounts.urls
from contacts.api import v1 as api_v1
from contacts.decorators import contact_information_not_required_patterns
from portal import restore, users, views

portal_patterns = [
    path("", views.dashboard, name="dashboard"),
    path("help/", views.help_page, name="help"),
    path("environment/", views.switch_environment, name="switch_environment"),
    path("partner/", views.switch_partner, name="switch_partner"),
    path("launch/", views.launch, name="launch"),
    path("settings/activity/", views.activity, name="activity"),
    path("settings/activity/<int:pk>/restore/", restore.restore, name="activity_restore"),
    path("settings/users/", users.users, name="users"),
    path("settings/users/invite/", users.invite, name="invite"),
    path("settings/users/<int:pk>/role/", users.MemberRoleView.as_view(), name="member_role"),
    path("settings/users/<int:pk>/remove/", users.MemberRemoveView.as_view(), name="member_remove"),
    path("settings/users/handover/", users.admin_handover_start, name="admin_handover_start"),
    path("settings/users/<int:pk>/handover/", users.AdminHandoverView.as_view(), name="admin_handover"),
    path("settings/users/leave/", users.leave, name="leave"),
    path("settings/invitations/<int:pk>/resend/", users.InvitationResendView.as_view(), name="invitation_resend"),
    path("settings/invitations/<int:pk>/revoke/", users.InvitationRevokeView.as_view(), name="invitation_revoke"),
    path("invitations/<str:token>/", users.accept_invitation, name="accept_invitation"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    # Signing in and out, and passwords, must work whatever the gate says.
    path("accounts/", include(contact_information_not_required_patterns(accounts.urls.urlpatterns))),
    path("", include("contacts.urls")),
    path("", include("contacts.verification_urls")),
    path("", include("contacts.notifications.urls")),
    path("settings/api-keys/", include("contacts.api.keys_urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("healthz", views.health, name="health"),
    path("api/v1/", api_v1.urls()),
    path("admin/", admin.site.urls),
]
