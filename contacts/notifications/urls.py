from django.urls import path

from contacts.notifications import test_messages, views

app_name = "notifications"

urlpatterns = [
    path("settings/notifications/", views.notification_list, name="list"),
    path("settings/contact-information/test-messages/", test_messages.test_messages, name="test_messages"),
    path("acknowledge/<str:token>/", views.acknowledge, name="acknowledge"),
]
