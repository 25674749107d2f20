from django.urls import path

from kpi import views

app_name = "kpi"

urlpatterns = [
    path("", views.funnel, name="funnel"),
    path("rejections/", views.rejections, name="rejections"),
    path("sla/", views.sla, name="sla"),
    path("speed-to-lead/", views.speed, name="speed"),
    path("campaigns/", views.my_campaigns, name="my_campaigns"),
]
