"""GET /api/v1/status/ (management 200, others 403, anonymous 401), the status page, and the
queue banner for the head of sales while SLAs are not being enforced."""

from datetime import timedelta

import pytest
from django.utils import timezone

from org.heartbeats import SLA_SWEEP, heartbeat_finished
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _interval(settings):
    settings.SLA_SWEEP_SECONDS = 30


def test_anonymous_gets_401(api, db):
    assert api.get("/api/v1/status/").status_code == 401


@pytest.mark.parametrize(
    ("role", "is_head"), [("sales", False), ("sales", True), ("marketing", True)]
)
def test_other_roles_get_403(as_user, db, role, is_head):
    user = UserFactory(role=role, is_head=is_head)
    assert as_user(user).get("/api/v1/status/").status_code == 403


def test_management_reads_the_status(as_user, manager, make_lead):
    make_lead(now=timezone.now() - timedelta(minutes=10))
    finished = timezone.now() - timedelta(seconds=20)
    heartbeat_finished(SLA_SWEEP, at=finished, duration=0.5)
    response = as_user(manager).get("/api/v1/status/")
    assert response.status_code == 200
    body = response.json()
    sweep = body["sla_sweep"]
    assert sweep["healthy"] is True
    assert 20 <= sweep["lag_seconds"] < 60
    assert sweep["last_finished_at"].startswith(finished.isoformat()[:19].replace("+00:00", ""))
    assert body["queue"]["waiting"] == 1
    assert 600 <= body["queue"]["oldest_waiting_seconds"] < 660
    assert body["notifications"] == {"unsent": 0}
    assert set(body) >= {"sla_sweep", "queue", "notifications"}


def test_status_says_unhealthy_and_tells_management_once(as_user, manager):
    client = as_user(manager)
    first = client.get("/api/v1/status/").json()
    assert first["sla_sweep"] == {
        "last_finished_at": None,
        "lag_seconds": None,
        "healthy": False,
        "threshold_seconds": 90.0,
        "last_duration_seconds": None,
    }
    client.get("/api/v1/status/")
    assert manager.notifications.filter(subject__startswith="SLA sweep stopped").count() == 1


def test_status_page_for_management_only(client, manager, seller):
    client.force_login(manager)
    page = client.get("/status/")
    assert page.status_code == 200
    assert "stopped: SLAs are not being enforced" in page.content.decode()
    assert 'href="/status/"' in page.content.decode()  # the nav link
    client.force_login(seller)
    assert client.get("/status/").status_code == 403
    assert 'href="/status/"' not in client.get("/leads/queue/").content.decode()
    client.logout()
    assert client.get("/status/").status_code == 302


def test_queue_banner_for_the_head_of_sales_while_the_sweep_is_down(client, db, seller):
    head = UserFactory(role="sales", is_head=True)
    client.force_login(head)
    assert 'id="sla-sweep-banner"' in client.get("/leads/queue/").content.decode()

    heartbeat_finished(SLA_SWEEP, at=timezone.now(), duration=0.1)
    assert 'id="sla-sweep-banner"' not in client.get("/leads/queue/").content.decode()

    heartbeat_finished(SLA_SWEEP, at=timezone.now() - timedelta(minutes=5), duration=0.1)
    assert 'id="sla-sweep-banner"' in client.get("/leads/queue/").content.decode()
    # A salesperson has nothing to do about it: no banner.
    client.force_login(seller)
    assert 'id="sla-sweep-banner"' not in client.get("/leads/queue/").content.decode()


def test_queue_banner_for_management(client, manager):
    client.force_login(manager)
    page = client.get("/leads/queue/").content.decode()
    assert 'id="sla-sweep-banner"' in page


def test_durations_on_the_status_page_read_as_words():
    from datetime import timedelta

    from django.utils import translation

    from ops.templatetags.ops_format import seconds_text

    translation.activate("en")  # whatever an earlier test left active
    assert seconds_text(None) == "—"
    assert seconds_text(42.7) == "42 s"
    assert seconds_text(90) == "1 min"
    assert seconds_text(timedelta(hours=2, minutes=5)) == "2 hr 5 min"
    assert seconds_text(6313530) == "73 days"
