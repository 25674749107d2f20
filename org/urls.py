from django.urls import path

from org import views

app_name = "org"

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("settings/api-keys/", views.api_keys, name="api_keys"),
    path("settings/api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("settings/calendar/", views.calendar, name="calendar"),
    path(
        "settings/calendar/<int:pk>/delete/", views.calendar_day_delete, name="calendar_day_delete"
    ),
    path("matrix/", views.matrix, name="matrix"),
    path("matrix/handoffs/", views.matrix_handoff_add, name="matrix_handoff_add"),
    path("matrix/handoffs/<int:pk>/", views.matrix_handoff_update, name="matrix_handoff_update"),
    path(
        "matrix/handoffs/<int:pk>/delete/",
        views.matrix_handoff_delete,
        name="matrix_handoff_delete",
    ),
]
