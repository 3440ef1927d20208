"""Operators browse and search partners, memberships, invitations and activity; no partner loses its last Admin."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin import UserAdmin as AccountsUserAdmin
from accounts.models import User
from partners.models import LAST_ADMIN_MESSAGE, Activity, Invitation, Membership, Partner, Role
from partners.services import (
    MembershipError,
    activity_record,
    admin_appoint,
    lock_partners,
    operator_label,
    partner_invitations_refresh,
)


def last_admin_error(membership):
    """The translated refusal for removing or demoting a partner's last Admin."""
    return forms.ValidationError(LAST_ADMIN_MESSAGE % {"user": membership.user, "partner": membership.partner})


def leaves_partner_without_admin(memberships):
    """The first of these memberships (leaving or losing Admin together) whose partner would keep no Admin."""
    chosen = Membership.objects.filter(pk__in=[m.pk for m in memberships])
    return chosen.last_admins().select_related("user", "partner").first()


class MembersChangedHook:
    """Admin classes that change members call members_changed(partners) afterwards; higher apps extend it."""

    def members_changed(self, request, partners):
        """Nothing to do at this layer: contacts' admin keeps alert contacts and completeness true."""


class LocksPartners:
    """A change posted here locks the partners it touches first, as the portal's services do (partner rows,
    then what they own, in one order): an operator and a member changing one partner take turns, so the
    last-Admin check sees the truth and no two changes deadlock. The admin's views hold a transaction."""

    def partner_ids_of(self, obj):
        """The partners a change to `obj` touches."""
        return [obj.partner_id]

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "POST":
            lock_partners(self.partner_ids_of(obj))
            obj = super().get_object(request, object_id, from_field)  # as it is now that we hold the lock
        return obj


def record_member(request, action, membership, *, before=None, after=None):
    """An operator's change to a member, in the partner's activity log under the operator's name."""
    activity_record(
        partner=membership.partner,
        actor=request.user,
        label=operator_label(request.user),
        action=action,
        subject=membership.user.email,
        before=before,
        after=after,
    )


class RecordsMemberInlines:
    """Members added, re-roled or removed through an inline are recorded like those of the Membership admin."""

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is not Membership:
            return
        for membership in formset.new_objects:
            record_member(request, Activity.Action.MEMBER_ADDED, membership, after={"role": membership.role})
        changed = {membership.pk for membership, fields in formset.changed_objects if "role" in fields}
        for row in formset.forms:
            if row.instance.pk in changed:
                before, after = {"role": row.initial["role"]}, {"role": row.instance.role}
                record_member(request, Activity.Action.MEMBER_ROLE_CHANGED, row.instance, before=before, after=after)
        for membership in formset.deleted_objects:
            record_member(request, Activity.Action.MEMBER_REMOVED, membership, before={"role": membership.role})


class MembershipInlineFormSet(forms.BaseInlineFormSet):
    """Refuses to leave any partner without an Admin."""

    def clean(self):
        super().clean()
        leaving = [
            form.instance
            for form in self.forms
            if form.instance.pk
            and hasattr(form, "cleaned_data")
            and (
                form.cleaned_data.get("DELETE")
                or form.cleaned_data.get("role") != Role.ADMIN
                or "partner" in form.changed_data
            )
        ]
        last = leaves_partner_without_admin(leaving)
        if last is not None:
            raise last_admin_error(last)


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
            original = Membership.objects.select_related("user", "partner").get(pk=self.instance.pk)
            moving = cleaned.get("partner") and cleaned["partner"].pk != original.partner_id
            if (moving or cleaned.get("role") != Role.ADMIN) and leaves_partner_without_admin([original]):
                raise last_admin_error(original)
        return cleaned


def partners_of_users(users):
    return list(Partner.objects.filter(memberships__user__in=users).distinct())


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(MembersChangedHook, LocksPartners, RecordsMemberInlines, AccountsUserAdmin):
    inlines = [MembershipInline]

    def partner_ids_of(self, obj):
        return list(obj.memberships.values_list("partner_id", flat=True))

    def has_delete_permission(self, request, obj=None):
        if obj is not None and leaves_partner_without_admin(obj.memberships.all()):
            return False  # the last Admin of a partner
        return super().has_delete_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        before = partners_of_users([form.instance])
        super().save_related(request, form, formsets, change)
        self.members_changed(request, before + partners_of_users([form.instance]))

    def delete_model(self, request, obj):
        partners = partners_of_users([obj])
        for membership in obj.memberships.select_related("partner", "user"):
            record_member(request, Activity.Action.MEMBER_REMOVED, membership, before={"role": membership.role})
        super().delete_model(request, obj)
        self.members_changed(request, partners)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        # Delete whom we can; keep the users whose leaving (with the others selected) orphans a partner.
        lock_partners(Membership.objects.filter(user__in=queryset).values_list("partner_id", flat=True))
        kept = set()
        while last := leaves_partner_without_admin(Membership.objects.filter(user__in=queryset.exclude(pk__in=kept))):
            kept.add(last.user_id)
        if kept:
            names = ", ".join(User.objects.filter(pk__in=kept).values_list("email", flat=True))
            messages.warning(request, _("Not deleted, the last Admin of a partner: %(users)s") % {"users": names})
        queryset = queryset.exclude(pk__in=kept)
        partners = partners_of_users(queryset)
        for membership in Membership.objects.filter(user__in=queryset).select_related("partner", "user"):
            record_member(request, Activity.Action.MEMBER_REMOVED, membership, before={"role": membership.role})
        super().delete_queryset(request, queryset)
        self.members_changed(request, partners)


class AdminsFilter(admin.SimpleListFilter):
    """Finds the partners left without an Admin (theirs left), for an operator to appoint one."""

    title = gettext_lazy("Admins")
    parameter_name = "admins"

    def lookups(self, request, model_admin):
        return [("none", gettext_lazy("No Admin")), ("some", gettext_lazy("Has an Admin"))]

    def queryset(self, request, queryset):
        with_admin = Membership.objects.admins().values("partner_id")
        if self.value() == "none":
            return queryset.exclude(pk__in=with_admin)
        if self.value() == "some":
            return queryset.filter(pk__in=with_admin)
        return queryset


@admin.register(Partner)
class PartnerAdmin(MembersChangedHook, LocksPartners, RecordsMemberInlines, admin.ModelAdmin):
    list_display = ["name", "integration", "status", "phone_region", "contacts_complete_in_production", "created_at"]
    list_filter = ["integration", "status"]
    search_fields = ["name", "memberships__user__email"]
    readonly_fields = [
        "missing_sandbox",
        "missing_production",
        "due_sandbox",
        "due_production",
        "requirement_deadlines",
        "quality_warnings",
        "contacts_completed_at",
        "reminded_at",
        "launched_at",
        "launched_by",
        "created_at",
    ]
    inlines = [MembershipInline]

    def partner_ids_of(self, obj):
        return [obj.pk]

    def get_list_filter(self, request):
        # Kept whatever list_filter a higher app's admin sets: operators find the partners left without an Admin.
        return [*super().get_list_filter(request), AdminsFilter]

    @admin.display(boolean=True, description=gettext_lazy("Production contacts complete"))
    def contacts_complete_in_production(self, obj):
        return not obj.missing_production

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A new partner, a changed integration kind or changed members change what the contacts need.
        self.members_changed(request, [form.instance])


@admin.register(Membership)
class MembershipAdmin(MembersChangedHook, LocksPartners, admin.ModelAdmin):
    form = MembershipAdminForm
    list_display = ["user", "partner", "role", "created_at"]
    list_filter = ["role", "partner__integration"]
    search_fields = ["user__email", "user__name", "partner__name"]
    autocomplete_fields = ["user", "partner"]
    list_select_related = ["user", "partner"]
    actions = ["appoint_admin"]

    @admin.action(
        description=gettext_lazy("Make the selected members Admin (recorded in the activity log)"),
        permissions=["change"],
    )
    def appoint_admin(self, request, queryset):
        """Appoint Admins, typically for a partner whose only Admin has left; each is recorded under the operator."""
        appointed = []
        for membership in queryset.select_related("user", "partner"):
            try:
                appointed.append(admin_appoint(membership=membership, operator=request.user))
            except MembershipError as error:
                messages.warning(request, str(error))
        if appointed:
            self.members_changed(request, list({m.partner_id: m.partner for m in appointed}.values()))
            names = ", ".join(str(m.user) for m in appointed)
            messages.success(request, _("Now Admin: %(users)s") % {"users": names})

    def has_delete_permission(self, request, obj=None):
        if obj is not None and leaves_partner_without_admin([obj]):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        before = Membership.objects.filter(pk=obj.pk).select_related("partner", "user").first()
        super().save_model(request, obj, form, change)
        if before is None or before.partner_id != obj.partner_id:
            if before is not None:
                record_member(request, Activity.Action.MEMBER_REMOVED, before, before={"role": before.role})
            record_member(request, Activity.Action.MEMBER_ADDED, obj, after={"role": obj.role})
        elif before.role != obj.role:
            record_member(
                request,
                Activity.Action.MEMBER_ROLE_CHANGED,
                obj,
                before={"role": before.role},
                after={"role": obj.role},
            )
        self.members_changed(request, [obj.partner] + ([before.partner] if before else []))

    def delete_model(self, request, obj):
        record_member(request, Activity.Action.MEMBER_REMOVED, obj, before={"role": obj.role})
        super().delete_model(request, obj)
        self.members_changed(request, [obj.partner])

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        lock_partners(queryset.values_list("partner_id", flat=True))
        kept = set()
        while last := leaves_partner_without_admin(queryset.exclude(pk__in=kept)):
            kept.add(last.pk)
        if kept:
            names = ", ".join(str(m) for m in Membership.objects.filter(pk__in=kept).select_related("user", "partner"))
            messages.warning(request, _("Not deleted, the last Admin of a partner: %(users)s") % {"users": names})
        queryset = queryset.exclude(pk__in=kept)
        partners = list(Partner.objects.filter(memberships__in=queryset).distinct())
        for membership in queryset.select_related("partner", "user"):
            record_member(request, Activity.Action.MEMBER_REMOVED, membership, before={"role": membership.role})
        super().delete_queryset(request, queryset)
        self.members_changed(request, partners)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "partner", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["email", "partner__name"]
    readonly_fields = ["token_hash"]
    list_select_related = ["partner", "invited_by"]

    # An operator's change may open, extend or close one: the partner's record of pending invitations follows.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        partner_invitations_refresh(obj.partner)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        partner_invitations_refresh(obj.partner)

    def delete_queryset(self, request, queryset):
        partners = list(Partner.objects.filter(invitations__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for partner in partners:
            partner_invitations_refresh(partner)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["created_at", "partner", "actor_label", "action", "subject"]
    list_filter = ["action"]
    search_fields = ["partner__name", "actor_label", "subject"]
    list_select_related = ["partner"]
    readonly_fields = ["partner", "actor", "actor_label", "action", "subject", "before", "after", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
