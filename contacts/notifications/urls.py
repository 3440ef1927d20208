from django.urls import path

from contacts.notifications import views

app_name = "notifications"

urlpatterns = [
    path("settings/notifications/", views.notification_list, name="list"),
    path("acknowledge/<str:token>/", views.acknowledge, name="acknowledge"),
]
