from django.urls import path

from contacts import member_search, region, reminders, settings_views, views

app_name = "contacts"

urlpatterns = [
    path("settings/contact-information/", settings_views.summary, name="settings"),
    path("settings/contact-information/edit/", views.edit, name="edit"),
    path("settings/contact-information/review/", settings_views.review, name="review"),
    path("settings/contact-information/<str:category>/edit/", settings_views.edit_section, name="edit_section"),
    path("onboarding/", views.onboarding, name="onboarding"),
    path("contact-information/draft/", views.draft_autosave, name="draft"),
    path("contact-information/draft/discard/", views.draft_discard_view, name="draft_discard"),
    path("contact-information/draft/switch/", views.draft_switch, name="draft_switch"),
    path("settings/contact-information/members/", member_search.member_search, name="member_search"),
    path("contact-information/remind/", reminders.remind, name="remind"),
    path("settings/contact-information/phone-region/", region.phone_region, name="phone_region"),
    path("contact-information/time-zones/", views.time_zone_names, name="time_zone_names"),
]
