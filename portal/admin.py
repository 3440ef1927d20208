"""Operators browse and search partners, memberships, invitations and activity."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from contacts.services import contact_information_reconcile
from portal.models import Activity, Invitation, Membership, Partner, Role, User

LAST_ADMIN = "A partner always keeps at least one Admin: make someone else Admin first."


def keeps_an_admin(membership, *, new_role=None, deleting=False, also_leaving=()):
    """Whether the membership's partner still has an Admin after this change (and those also leaving)."""
    if membership.pk is None or membership.role != Role.ADMIN or (not deleting and new_role == Role.ADMIN):
        return True
    leaving = {membership.pk, *also_leaving}
    return membership.partner.memberships.admins().exclude(pk__in=leaving).exists()


def reconcile(partners):
    """Operators changed members or contacts outside the portal's forms: bring each partner up to date."""
    for partner in {p.pk: p for p in partners}.values():
        contact_information_reconcile(partner=partner)


class MembershipInlineFormSet(forms.BaseInlineFormSet):
    """Refuses to leave any partner without an Admin."""

    def clean(self):
        super().clean()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.instance.pk is None:
                continue
            deleting = self.can_delete and self._should_delete_form(form)
            original = Membership.objects.select_related("partner").get(pk=form.instance.pk)
            if not keeps_an_admin(original, new_role=form.cleaned_data.get("role"), deleting=deleting):
                raise forms.ValidationError(LAST_ADMIN)


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipInlineFormSet
    extra = 0
    autocomplete_fields = ["user"]


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "partner", "role"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            original = Membership.objects.select_related("partner").get(pk=self.instance.pk)
            moving = cleaned.get("partner") and cleaned["partner"].pk != original.partner_id
            if not keeps_an_admin(original, new_role=None if moving else cleaned.get("role"), deleting=moving):
                raise forms.ValidationError(LAST_ADMIN)
        return cleaned


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

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not all(keeps_an_admin(m, deleting=True) for m in obj.memberships.all()):
            return False  # the last Admin of a partner
        return super().has_delete_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        partners = list(Partner.objects.filter(memberships__user=form.instance))
        super().save_related(request, form, formsets, change)
        reconcile(partners + list(Partner.objects.filter(memberships__user=form.instance)))

    def delete_model(self, request, obj):
        partners = list(Partner.objects.filter(memberships__user=obj))
        super().delete_model(request, obj)
        reconcile(partners)

    def delete_queryset(self, request, queryset):
        leaving = set(Membership.objects.filter(user__in=queryset).values_list("pk", flat=True))
        kept = [
            u
            for u in queryset
            if not all(keeps_an_admin(m, deleting=True, also_leaving=leaving) for m in u.memberships.all())
        ]
        if kept:
            messages.warning(request, f"Not deleted, last Admin of a partner: {', '.join(u.email for u in kept)}")
        queryset = queryset.exclude(pk__in=[u.pk for u in kept])
        partners = list(Partner.objects.filter(memberships__user__in=queryset))
        super().delete_queryset(request, queryset)
        reconcile(partners)


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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A new partner, a changed integration kind or changed members change what the contacts need.
        reconcile([form.instance])


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipAdminForm
    list_display = ["user", "partner", "role", "created_at"]
    list_filter = ["role", "partner__integration"]
    search_fields = ["user__email", "user__name", "partner__name"]
    autocomplete_fields = ["user", "partner"]
    list_select_related = ["user", "partner"]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not keeps_an_admin(obj, deleting=True):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        before = Membership.objects.filter(pk=obj.pk).select_related("partner").first()
        super().save_model(request, obj, form, change)
        reconcile([obj.partner] + ([before.partner] if before else []))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        reconcile([obj.partner])

    def delete_queryset(self, request, queryset):
        leaving = set(queryset.values_list("pk", flat=True))
        kept = [
            m
            for m in queryset.select_related("partner", "user")
            if not keeps_an_admin(m, deleting=True, also_leaving=leaving)
        ]
        if kept:
            messages.warning(request, f"Not deleted, last Admin of a partner: {', '.join(str(m) for m in kept)}")
        queryset = queryset.exclude(pk__in=[m.pk for m in kept])
        partners = list(Partner.objects.filter(memberships__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        reconcile(partners)


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
