from django.urls import path

from kpi import views
from kpi.views import bonus

app_name = "kpi"

urlpatterns = [
    path("", views.funnel, name="funnel"),
    path("rejections/", views.rejections, name="rejections"),
    path("sla/", views.sla, name="sla"),
    path("speed-to-lead/", views.speed, name="speed"),
    path("campaigns/", views.my_campaigns, name="my_campaigns"),
    path("bonus/", bonus.bonus_home, name="bonus"),
    path("bonus/periods/<int:pk>/", bonus.period_dashboard, name="period"),
    path("bonus/periods/<int:pk>/ratings/", bonus.ratings, name="ratings"),
    path("bonus/periods/<int:pk>/statements/", bonus.statement_create, name="statement_create"),
    path("bonus/periods/<int:pk>/close/", bonus.period_close, name="period_close"),
    path("bonus/mine/<int:pk>/", bonus.my_bonus, name="my_bonus"),
    path("bonus/statements/<int:pk>/", bonus.statement_page, name="statement"),
    path("bonus/statements/<int:pk>/approve/", bonus.statement_approve, name="statement_approve"),
]
