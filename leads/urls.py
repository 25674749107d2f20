from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
    path("", views.lead_list, name="list"),
    path("queue/", views.queue, name="queue"),
    path("queue/claim/", views.claim, name="claim"),
    path("queue/panel/", views.queue_panel, name="queue_panel"),
    path("import/", views.import_csv, name="import"),
    path("import/jobs/<int:pk>/", views.import_job, name="import_job"),
    path("definition/", views.definition, name="definition"),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/touch/", views.touch, name="touch"),
    path("<int:pk>/qualify/", views.qualify, name="qualify"),
    path("<int:pk>/disqualify/", views.disqualify, name="disqualify"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/personal-data/", views.personal_data, name="personal_data"),
    path("<int:pk>/erase/", views.erase, name="erase"),
]
