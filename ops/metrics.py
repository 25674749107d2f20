"""Prometheus metrics.

Two kinds, aggregated differently under a multi-process server (gunicorn workers, Celery's
prefork children):

- **Business gauges** (queue, breaches, sweep lag, unsent e-mails) are computed from the
  database at scrape time by ``BusinessCollector``. Every process reads the same rows, so any
  process answers the scrape with the true value and nothing needs aggregating.
- **Event counters and histograms** (requests per view, Celery task outcomes, claims, intake)
  live in each process. With ``PROMETHEUS_MULTIPROC_DIR`` set (prometheus-client's multiprocess
  mode: the web server and the worker on a host share that directory, emptied before they
  start) every process writes its values to files there and a scrape of any web process sums
  them all. Without it (one process, ``runserver``) the in-process registry is served.

The event metrics themselves are defined in ``org.metrics`` so every app may count its events
without importing this app.
"""

import ipaddress
import math
import os
from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import REGISTRY, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from rest_framework.throttling import BaseThrottle

from ops.selectors import ops_status
from ops.services import sla_sweep_watchdog


class BusinessCollector(Collector):
    """The gauges docs/api.md (Operations) names, read at scrape time."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now

    def collect(self) -> Iterator[Metric]:
        now = self.now or timezone.now()
        sla_sweep_watchdog(now=now)  # a scrape also notices a stopped sweep
        status = ops_status(now=now)
        sweep, queue = status.sweep, status.queue

        def gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
            return GaugeMetricFamily(name, doc, value=value)

        yield gauge("tandem_leads_waiting", "Unassigned leads waiting in the queue.", queue.waiting)
        yield gauge(
            "tandem_oldest_waiting_seconds",
            "How long the longest-waiting unassigned lead has been in the queue (0 if none).",
            queue.oldest_waiting_seconds,
        )
        yield gauge(
            "tandem_leads_waiting_over_sla",
            "Unassigned leads waiting past their SLA deadline.",
            queue.over_sla,
        )
        yield gauge(
            "tandem_queue_most_overdue_seconds",
            "How far past its SLA deadline the most overdue unassigned lead is (0 if none).",
            queue.most_overdue_seconds,
        )
        yield gauge(
            "tandem_sla_breaches_today",
            "SLA breaches (level-1 escalations) since midnight in TIME_ZONE.",
            status.breaches_today,
        )
        yield gauge(
            "tandem_sla_sweep_lag_seconds",
            "Seconds since the last SLA sweep finished (+Inf if none ever did).",
            sweep.lag_seconds if sweep.lag_seconds is not None else math.inf,
        )
        yield gauge(
            "tandem_sla_sweep_threshold_seconds",
            "Lag beyond which the sweep counts as stopped (3 x SLA_SWEEP_SECONDS).",
            sweep.threshold_seconds,
        )
        yield gauge(
            "tandem_sla_sweep_healthy",
            "1 while SLA sweeps finish in time, 0 while SLAs are not being enforced.",
            1 if sweep.healthy else 0,
        )
        yield gauge(
            "tandem_sla_sweep_last_duration_seconds",
            "How long the last finished SLA sweep took.",
            sweep.last_duration_seconds or 0.0,
        )
        yield gauge(
            "tandem_notifications_unsent",
            "Notification e-mails not sent yet.",
            status.notifications_unsent,
        )


class _ThisProcess(Collector):
    """The default registry's metrics of this process (when not in multiprocess mode)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def event_registry() -> CollectorRegistry:
    """The event counters: summed over every process's files in multiprocess mode, else
    this process's own."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    return registry


def render_metrics(*, now: datetime | None = None) -> bytes:
    registry = event_registry()
    registry.register(BusinessCollector(now))
    return generate_latest(registry)


def client_address(request) -> str:  # type: ignore[no-untyped-def]
    """The caller's address, proxy-aware exactly as the throttles are (DJANGO_NUM_PROXIES)."""
    return BaseThrottle().get_ident(request)


def metrics_allowed(request) -> bool:  # type: ignore[no-untyped-def]
    try:
        address = ipaddress.ip_address(client_address(request).strip())
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)
