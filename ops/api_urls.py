from django.urls import path

from ops.api import StatusView

urlpatterns = [path("status/", StatusView.as_view(), name="status")]
