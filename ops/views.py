from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST

from ops import health
from ops.metrics import metrics_allowed, render_metrics
from ops.selectors import ops_status, outage_duration, recent_outages
from ops.services import sla_sweep_watchdog


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process serves requests. Touches nothing else."""
    return _no_store(JsonResponse({"status": "ok"}))


def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when every check passes, else 503 naming the failing one(s)."""
    checks = health.readiness()
    failing = [name for name, result in checks.items() if result != health.OK]
    body: dict[str, Any] = {"status": "ok" if not failing else "unavailable", "checks": checks}
    if failing:
        body["failing"] = failing
    return _no_store(JsonResponse(body, status=503 if failing else 200))


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, for the addresses in METRICS_ALLOWED_IPS only."""
    if not metrics_allowed(request):
        return _no_store(
            HttpResponse("Forbidden.\n", status=403, content_type="text/plain; charset=utf-8")
        )
    try:
        body = render_metrics()
    except Exception:  # the database is down: say so in the format Prometheus reads
        import logging

        logging.getLogger(__name__).exception("metrics: business gauges unavailable")
        body = b"# tandem metrics unavailable: the database cannot be read\ntandem_up 0\n"
        return _no_store(HttpResponse(body, status=503, content_type=CONTENT_TYPE_LATEST))
    return _no_store(HttpResponse(body, content_type=CONTENT_TYPE_LATEST))


# Served by ops.middleware.OpsEndpointsMiddleware, ahead of host checks and https redirects.
OPS_ENDPOINTS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": healthz,
    "/readyz": readyz,
    "/metrics": metrics,
}


@login_required
def status_page(request: HttpRequest) -> HttpResponse:
    """The same figures as /api/v1/status/, for management, readable without Prometheus."""
    if not request.user.is_manager:  # type: ignore[union-attr]
        raise PermissionDenied
    now = timezone.now()
    sla_sweep_watchdog(now=now)
    status = ops_status(now=now)
    outages = [
        {"outage": outage, "duration": outage_duration(outage, now=now)}
        for outage in recent_outages()
    ]
    return render(request, "ops/status.html", {"status": status, "outages": outages})
