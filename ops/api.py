from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ops.selectors import Status, ops_status
from ops.services import sla_sweep_watchdog
from org.inputs import TypedSerializer
from org.permissions import IsManagement


def status_payload(status: Status) -> dict[str, Any]:
    sweep = status.sweep
    return {
        "sla_sweep": {
            "last_finished_at": sweep.last_finished_at,
            "lag_seconds": sweep.lag_seconds,
            "healthy": sweep.healthy,
            "threshold_seconds": sweep.threshold_seconds,
            "last_duration_seconds": sweep.last_duration_seconds,
        },
        "queue": {
            "waiting": status.queue.waiting,
            "oldest_waiting_seconds": status.queue.oldest_waiting_seconds,
            "over_sla": status.queue.over_sla,
        },
        "sla_breaches_today": status.breaches_today,
        "notifications": {"unsent": status.notifications_unsent},
    }


class _SweepSerializer(TypedSerializer):
    last_finished_at = serializers.DateTimeField(allow_null=True)
    lag_seconds = serializers.FloatField(allow_null=True)
    healthy = serializers.BooleanField()
    threshold_seconds = serializers.FloatField()
    last_duration_seconds = serializers.FloatField(allow_null=True)


class _QueueSerializer(TypedSerializer):
    waiting = serializers.IntegerField()
    oldest_waiting_seconds = serializers.FloatField()
    over_sla = serializers.IntegerField()


class StatusSerializer(TypedSerializer):
    sla_sweep = _SweepSerializer()
    queue = _QueueSerializer()
    sla_breaches_today = serializers.IntegerField()
    notifications = inline_serializer("StatusNotifications", {"unsent": serializers.IntegerField()})


class StatusView(APIView):
    """Operations status for management: the SLA sweep's heartbeat, the queue, unsent
    e-mails. Reading it also runs the sweep watchdog (docs/api.md, Operations)."""

    permission_classes = [IsManagement]

    @extend_schema(responses=StatusSerializer, operation_id="status")
    def get(self, request: Request) -> Response:
        now = timezone.now()
        sla_sweep_watchdog(now=now)
        return Response(StatusSerializer(status_payload(ops_status(now=now))).data)
