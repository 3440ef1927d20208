"""Operators browse and search partners, memberships, invitations and activity."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from contacts.services import contact_status_refresh
from portal.models import Activity, Invitation, Membership, Partner, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal info", {"fields": ["name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]})]
    inlines = [MembershipInline]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "integration", "status", "phone_region", "contacts_complete_in_production", "created_at"]
    list_filter = ["integration", "status"]
    search_fields = ["name", "memberships__user__email"]
    readonly_fields = ["missing_sandbox", "missing_production", "launched_at", "launched_by", "created_at"]
    inlines = [MembershipInline]

    @admin.display(boolean=True, description="Production contacts complete")
    def contacts_complete_in_production(self, obj):
        return not obj.missing_production

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A new partner or a changed integration kind changes what the contact information needs.
        contact_status_refresh(partner=obj)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "partner", "role", "created_at"]
    list_filter = ["role", "partner__integration"]
    search_fields = ["user__email", "user__name", "partner__name"]
    autocomplete_fields = ["user", "partner"]
    list_select_related = ["user", "partner"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "partner", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["email", "partner__name"]
    readonly_fields = ["token_hash"]
    list_select_related = ["partner", "invited_by"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["created_at", "partner", "actor", "action", "subject"]
    list_filter = ["action"]
    search_fields = ["partner__name", "actor__email", "subject"]
    list_select_related = ["partner", "actor"]
    readonly_fields = ["partner", "actor", "action", "subject", "before", "after", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
