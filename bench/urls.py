"""The project's URLs plus the framework floor the intake scenario compares against.

``POST /bench/floor/`` is a bare DRF endpoint: the same token authentication and JSON parsing
as ``POST /api/v1/leads/``, then one ORM INSERT (a notification to the caller) and a small JSON
answer. Whatever the single intake costs above it is the intake's own work. Only the server
the intake scenario starts (``bench.wsgi``) routes to it.
"""

from typing import Any

from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as project_urls
from org.models import Notification

FLOOR_SUBJECT = "bench floor"


class FloorView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        row = Notification.objects.create(
            recipient=request.user,
            subject=FLOOR_SUBJECT,
            body=str(request.data.get("name", "")),
            send_email=False,
        )
        return Response({"id": row.pk}, status=201)


urlpatterns = [path("bench/floor/", FloorView.as_view()), *project_urls]
