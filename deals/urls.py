from django.urls import path

from deals import views

app_name = "deals"

urlpatterns = [
    path("convert/<int:lead_id>/", views.convert, name="convert"),
]
