"""GET /metrics (docs/api.md, Operations): the named gauges with exact values on known data,
event counters, and the address restriction."""

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from leads.models import Escalation
from leads.services import lead_claim_next
from ops.metrics import render_metrics
from org.heartbeats import SLA_SWEEP, heartbeat_finished
from org.models import Notification

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def gauge(text: str, name: str) -> float:
    return samples(text)[(name, ())]


def scrape(client, **extra) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"
    settings.SLA_SWEEP_SECONDS = 30


def test_the_contract_gauges_on_known_data(db, make_lead, seller, manager):
    # Queue: three waiting leads (entered 600, 300 and 60 s ago), one claimed (not waiting).
    claimed_one = make_lead(now=NOW - timedelta(seconds=900))
    assert lead_claim_next(user=seller, now=NOW - timedelta(seconds=800)) == claimed_one
    waiting = [make_lead(now=NOW - timedelta(seconds=s)) for s in (600, 300, 60)]
    # Breaches today: two level-1 escalations today, one yesterday, one level 2 today.
    for lead, level, at in (
        (waiting[0], 1, NOW - timedelta(hours=1)),
        (waiting[1], 1, NOW.replace(hour=0, minute=0)),
        (waiting[2], 1, NOW - timedelta(days=1)),
        (waiting[0], 2, NOW - timedelta(minutes=5)),
    ):
        Escalation.objects.create(
            lead=lead, queue_entry=1, level=level, action="notified_heads", at=at
        )
    # Unsent e-mails: two pending; sent ones and in-app-only ones do not count.
    Notification.objects.all().delete()
    for send_email, emailed_at in ((True, None), (True, None), (True, NOW), (False, None)):
        Notification.objects.create(
            recipient=manager, subject="x", send_email=send_email, emailed_at=emailed_at
        )
    heartbeat_finished(SLA_SWEEP, at=NOW - timedelta(seconds=45), duration=0.25)

    text = render_metrics(now=NOW).decode()

    assert gauge(text, "tandem_leads_waiting") == 3
    assert gauge(text, "tandem_oldest_waiting_seconds") == 600
    assert gauge(text, "tandem_sla_breaches_today") == 2
    assert gauge(text, "tandem_sla_sweep_lag_seconds") == 45
    assert gauge(text, "tandem_sla_sweep_threshold_seconds") == 90
    assert gauge(text, "tandem_sla_sweep_healthy") == 1
    assert gauge(text, "tandem_sla_sweep_last_duration_seconds") == 0.25
    assert gauge(text, "tandem_notifications_unsent") == 2
    deadlines = sorted(lead.sla_deadline for lead in waiting)
    over = [d for d in deadlines if d < NOW]
    assert gauge(text, "tandem_leads_waiting_over_sla") == len(over)
    expected = (NOW - over[0]).total_seconds() if over else 0
    assert gauge(text, "tandem_queue_most_overdue_seconds") == expected


def test_empty_queue_and_a_sweep_that_never_ran(db):
    text = render_metrics(now=NOW).decode()
    assert gauge(text, "tandem_leads_waiting") == 0
    assert gauge(text, "tandem_oldest_waiting_seconds") == 0
    assert gauge(text, "tandem_sla_sweep_lag_seconds") == float("inf")
    assert gauge(text, "tandem_sla_sweep_healthy") == 0


def test_breaches_today_counts_from_midnight_in_the_company_time_zone(db, make_lead, settings):
    settings.TIME_ZONE = "Europe/Moscow"  # UTC+3: the day began at 21:00 UTC yesterday
    lead = make_lead(now=NOW - timedelta(days=2))
    for entry, at in (
        (1, datetime(2026, 3, 9, 21, 30, tzinfo=UTC)),
        (2, datetime(2026, 3, 9, 20, 30, tzinfo=UTC)),
    ):
        Escalation.objects.create(
            lead=lead, queue_entry=entry, level=1, action="notified_heads", at=at
        )
    with timezone.override("Europe/Moscow"):
        text = render_metrics(now=NOW).decode()
    assert gauge(text, "tandem_sla_breaches_today") == 1


def test_a_scrape_runs_the_watchdog(db, manager):
    render_metrics(now=NOW)
    assert Notification.objects.filter(subject__startswith="SLA sweep stopped").count() == 1


def test_requests_and_task_outcomes_are_counted(client, db):
    from ops.tasks import sla_sweep_watchdog_task

    def value(text: str, name: str, **labels: str) -> float:
        return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)

    before = scrape(client)
    client.get("/api/v1/status/")  # anonymous: 401
    sla_sweep_watchdog_task.delay()
    after = scrape(client)
    requests = {"view": "api:status", "method": "GET", "status": "401"}
    assert value(after, "tandem_http_requests_total", **requests) == (
        value(before, "tandem_http_requests_total", **requests) + 1
    )
    latency = {"view": "api:status", "method": "GET"}
    assert value(after, "tandem_http_request_duration_seconds_count", **latency) == (
        value(before, "tandem_http_request_duration_seconds_count", **latency) + 1
    )
    task = {"task": "ops.tasks.sla_sweep_watchdog", "outcome": "success"}
    assert value(after, "tandem_celery_tasks_total", **task) == (
        value(before, "tandem_celery_tasks_total", **task) + 1
    )


def test_claims_and_intake_are_counted(db, make_lead, seller):
    def value(name: str, **labels: str) -> float:
        text = render_metrics(now=NOW).decode()
        return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)

    received = value("tandem_leads_received_total", source="api", outcome="new")
    claimed = value("tandem_leads_claimed_total")
    make_lead()
    lead_claim_next(user=seller)
    assert value("tandem_leads_received_total", source="api", outcome="new") == received + 1
    assert value("tandem_leads_claimed_total") == claimed + 1


def test_metrics_only_for_the_allowed_addresses(client, db):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.5").status_code == 403
    networks = [ipaddress.ip_network("10.0.0.0/8")]
    with override_settings(METRICS_ALLOWED_NETWORKS=networks):
        assert client.get("/metrics", REMOTE_ADDR="10.0.0.5").status_code == 200
        assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_metrics_address_is_proxy_aware_like_the_throttles(client, db, settings):
    rest = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    with override_settings(REST_FRAMEWORK=rest):
        # Behind one proxy on loopback, the client is the address the proxy saw.
        outside = client.get(
            "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
        )
        assert outside.status_code == 403
        inside = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")
        assert inside.status_code == 200
    # Without a trusted proxy a forged header changes nothing.
    spoofed = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert spoofed.status_code == 403


def test_metrics_allowed_ips_setting_is_validated(monkeypatch):
    import importlib

    import config.settings

    monkeypatch.setenv("DJANGO_DEBUG", "1")
    monkeypatch.setenv("METRICS_ALLOWED_IPS", "10.0.0.0/8,not-an-address")
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="METRICS_ALLOWED_IPS"):
        importlib.reload(config.settings)
    monkeypatch.setenv("METRICS_ALLOWED_IPS", "10.0.0.0/8, 192.168.1.7")
    reloaded = importlib.reload(config.settings)
    assert [str(n) for n in reloaded.METRICS_ALLOWED_NETWORKS] == ["10.0.0.0/8", "192.168.1.7/32"]


def test_a_database_outage_is_a_503_in_metrics_format_not_a_500(client, db, monkeypatch):
    import ops.metrics

    def down(*args, **kwargs):
        raise RuntimeError("connection refused")

    monkeypatch.setattr(ops.metrics, "ops_status", down)
    response = client.get("/metrics")
    assert response.status_code == 503
    assert "tandem_up 0" in response.content.decode()


def test_the_docs_only_use_metrics_that_exist(client, db, make_lead, seller):
    """docs/grafana-dashboard.json and docs/prometheus-alerts.yml name real series."""
    import json
    import re
    from pathlib import Path

    from ops.tasks import sla_sweep_watchdog_task

    make_lead()
    lead_claim_next(user=seller)
    sla_sweep_watchdog_task.delay()
    client.get("/accounts/login/")
    exposed = {
        sample.name
        for family in text_string_to_metric_families(scrape(client))
        for sample in family.samples
    }
    docs = Path(__file__).resolve().parents[2] / "docs"
    dashboard = (docs / "grafana-dashboard.json").read_text()
    json.loads(dashboard)
    text = dashboard + (docs / "prometheus-alerts.yml").read_text()
    named = set(re.findall(r"\btandem_[a-z_]+", text))
    assert named, "the docs name no metric"
    assert named <= exposed, named - exposed


def test_multiprocess_mode_sums_the_counters_of_every_process(tmp_path):
    """PROMETHEUS_MULTIPROC_DIR: what two worker processes counted, a third one serves."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = "from org.metrics import LEADS_CLAIMED; LEADS_CLAIMED.inc()"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True, timeout=60)
    serve = (
        "import django; django.setup(); "
        "from prometheus_client import generate_latest; "
        "from ops.metrics import event_registry; "
        "print(generate_latest(event_registry()).decode())"
    )
    served = subprocess.run(
        [sys.executable, "-c", serve], env=env, check=True, timeout=60, capture_output=True
    ).stdout.decode()
    assert samples(served)[("tandem_leads_claimed_total", ())] == 2
