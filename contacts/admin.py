"""Operators see every partner's contact information, including the operator-only contact."""

from django.contrib import admin
from django.db.models import F

from contacts.models import Contact, ContactInformation, SupportWindow
from contacts.services import contact_status_refresh


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["category", "email", "name", "phone", "url"]


class SupportWindowInline(admin.TabularInline):
    model = SupportWindow
    extra = 0
    fields = ["days", "start", "end", "overnight", "time_zone"]


@admin.register(ContactInformation)
class ContactInformationAdmin(admin.ModelAdmin):
    list_display = ["partner", "support_24_7", "version", "updated_at", "updated_by"]
    list_filter = ["partner__integration", "support_24_7"]
    search_fields = ["partner__name", "contacts__email", "contacts__name"]
    readonly_fields = ["version", "updated_at", "updated_by"]
    autocomplete_fields = ["partner"]
    filter_horizontal = ["alert_contacts"]
    inlines = [ContactInline, SupportWindowInline]
    list_select_related = ["partner", "updated_by"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # An operator's edit is a new version too: open forms become stale and cached renderings expire.
        ContactInformation.objects.filter(pk=form.instance.pk).update(version=F("version") + 1)
        contact_status_refresh(partner=form.instance.partner, info=form.instance)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "phone", "category", "contact_information"]
    list_filter = ["category"]
    search_fields = ["email", "name", "contact_information__partner__name"]
    list_select_related = ["contact_information__partner"]
