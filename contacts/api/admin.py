"""Operators see every partner's API keys: they may raise a key's rate and revoke keys, never see or make one."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contacts.api.models import APIKey
from contacts.api.services import api_key_revoke
from partners.services import operator_label


class RevokedFilter(admin.SimpleListFilter):
    """Active keys, or revoked ones."""

    title = _("revoked")
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("no", _("No")), ("yes", _("Yes"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(APIKey)
class APIKeyAdmin(admin.ModelAdmin):
    """Keys are created where they can be shown once (Settings › API keys, `manage.py createapikey`), not here;
    only their digest is stored, and it is never shown."""

    list_display = ["name", "partner", "scope", "prefix", "created_at", "last_used_at", "revoked_at", "rate_limit"]
    list_filter = ["scope", RevokedFilter]
    search_fields = ["name", "prefix", "partner__name"]
    list_select_related = ["partner"]
    fields = [
        "partner",
        "name",
        "scope",
        "prefix",
        "rate_limit",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = [field for field in fields if field != "rate_limit"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, not deleted: the activity log and the partner's scripts' errors still name it

    @admin.action(description=_("Revoke selected keys"), permissions=["change"])
    def revoke(self, request, queryset):
        """Revoke each selected key under the operator's name (in the partner's activity log); revoked ones stay."""
        revoked = 0
        for key in queryset.filter(revoked_at__isnull=True).select_related("partner"):
            api_key_revoke(key=key, actor=request.user, label=operator_label(request.user))
            revoked += 1
        message = ngettext("%(count)d key was revoked.", "%(count)d keys were revoked.", revoked)
        self.message_user(request, message % {"count": revoked}, messages.SUCCESS)
