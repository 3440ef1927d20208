from django.urls import path

from contacts import views

app_name = "contacts"

urlpatterns = [
    path("settings/contact-information/", views.edit, name="edit"),
    path("onboarding/", views.onboarding, name="onboarding"),
]
