"""Request ids in every log line, JSON lines when LOG_FORMAT=json, carried into Celery tasks."""

import io
import json
import logging
from types import SimpleNamespace

import pytest
from celery import signals
from django.http import HttpResponse
from django.test import RequestFactory

from ops import logs
from ops.middleware import RequestIdMiddleware


@pytest.fixture
def json_lines():  # type: ignore[no-untyped-def]
    """A handler configured as LOG_FORMAT=json configures the console one."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestIdFilter())
    logger = logging.getLogger("tandem.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield logger, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_a_json_log_line_carries_the_request_id(json_lines):
    logger, lines = json_lines

    def view(request):  # type: ignore[no-untyped-def]
        logger.info("lead %s claimed", 7, extra={"lead_id": 7})
        return HttpResponse("ok")

    response = RequestIdMiddleware(view)(RequestFactory().get("/leads/queue/"))
    rid = response["X-Request-ID"]
    assert len(rid) == 32
    (line,) = lines()
    assert line["request_id"] == rid
    assert line["message"] == "lead 7 claimed"
    assert line["level"] == "INFO" and line["logger"] == "tandem.test"
    assert line["lead_id"] == 7
    # Outside a request the id is gone again.
    logger.info("after")
    assert lines()[-1]["request_id"] == "-"


def test_the_proxys_request_id_is_kept_when_sane(json_lines):
    logger, lines = json_lines

    def view(request):  # type: ignore[no-untyped-def]
        logger.warning("x")
        return HttpResponse("ok")

    middleware = RequestIdMiddleware(view)
    kept = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="edge-4f1c2a9b"))
    assert kept["X-Request-ID"] == "edge-4f1c2a9b"
    assert lines()[-1]["request_id"] == "edge-4f1c2a9b"
    replaced = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="bad id\n<script>"))
    assert replaced["X-Request-ID"] != "bad id\n<script>" and len(replaced["X-Request-ID"]) == 32


def test_every_response_has_a_request_id(client, db):
    response = client.get("/healthz")
    assert response["X-Request-ID"]
    assert client.get("/accounts/login/")["X-Request-ID"]


def test_exceptions_are_one_json_line(json_lines):
    logger, lines = json_lines
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")
    (line,) = lines()
    assert "ValueError: boom" in line["exception"]


def test_tasks_enqueued_during_a_request_carry_its_id_into_the_worker(json_lines):
    logger, lines = json_lines
    headers: dict[str, object] = {}
    token = logs.request_id.set("req-0123456789")
    try:
        signals.before_task_publish.send(sender="leads.tasks.sla_sweep", headers=headers, body=())
    finally:
        logs.request_id.reset(token)
    assert headers["tandem_request_id"] == "req-0123456789"

    # The worker: the header is on the task's request while it runs, then gone.
    class Task:
        name = "leads.tasks.sla_sweep"
        request = SimpleNamespace(tandem_request_id="req-0123456789")

    task = Task()
    signals.task_prerun.send(sender=task, task=task, task_id="1", args=(), kwargs={})
    logger.info("in the worker")
    signals.task_postrun.send(sender=task, task=task, task_id="1", args=(), kwargs={}, retval=None)
    logger.info("after the task")
    assert [line["request_id"] for line in lines()] == ["req-0123456789", "-"]


def test_plain_format_has_the_request_id_too(settings):
    assert "%(request_id)s" in settings.LOGGING["formatters"]["plain"]["format"]
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["request_id"]


def test_log_format_is_validated(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import config.settings

    monkeypatch.setenv("DJANGO_DEBUG", "1")
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        importlib.reload(config.settings)
    monkeypatch.setenv("LOG_FORMAT", "json")
    reloaded = importlib.reload(config.settings)
    assert reloaded.LOGGING["handlers"]["console"]["formatter"] == "json"
