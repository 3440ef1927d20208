"""Operators find and manage the people who sign in, and follow every email the portal sends."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import OutgoingEmail, User
from accounts.outbox import email_retry


class DistinctAddress:
    """Refuses an address that is, or looks like, another account's (ſ for s, ı for i, fullwidth letters)."""

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.objects.looking_like(email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("Another account has this address, or one that looks like it: check each letter."),
                code="look_alike",
            )
        return email


class UserCreationForm(DistinctAddress, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "name"]


class UserEditForm(DistinctAddress, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["name", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]})]


class RetriesEmails:
    """Admin classes whose "Retry" action sends failed emails again (accounts.outbox), and says how many went."""

    def has_retry_permission(self, request):
        """Retrying changes the email: operators who may change outgoing emails may."""
        return request.user.has_perm("accounts.change_outgoingemail")

    def retry_emails(self, request, emails, retry=email_retry):
        """Queue each failed email again (with `retry`); tell the operator how many were, and how many could not be."""
        emails = list(emails)
        retried = sum(retry(email) for email in emails)
        if retried:
            message = ngettext("%(count)d email is queued again.", "%(count)d emails are queued again.", retried)
            self.message_user(request, message % {"count": retried}, messages.SUCCESS)
        if len(emails) > retried:
            message = ngettext(
                "%(count)d email was not retried: only failed emails are, and not those that carried a one-time link.",
                "%(count)d emails were not retried: only failed emails are, and not those that carried a one-time "
                "link.",
                len(emails) - retried,
            )
            self.message_user(request, message % {"count": len(emails) - retried}, messages.WARNING)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that services write: operators look, and act through actions."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(RetriesEmails, ReadOnlyAdmin):
    """The outbox, read-only: what was sent to whom, what failed and why; failed emails can be sent again."""

    list_display = ["to", "subject", "status", "priority", "attempts", "language", "created_at", "sent_at"]
    list_filter = ["status", "priority", "language"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    fields = [
        "to",
        "subject",
        "language",
        "priority",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "one_time_link",
        "body_or_hidden",
    ]
    readonly_fields = fields
    actions = ["retry"]

    @admin.display(description=_("body"))
    def body_or_hidden(self, obj):
        # A one-time link (an invitation, a password reset) still queued is usable: operators never see it.
        if obj.one_time_link:
            return _("(hidden: it carries a one-time link)")
        return obj.body

    @admin.action(description=_("Retry"), permissions=["retry"])
    def retry(self, request, queryset):
        """Send the selected failed emails again: a fresh round of attempts, starting now."""
        self.retry_emails(request, queryset)
