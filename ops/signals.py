"""Celery hooks: task outcome metrics and the request id carried from web to worker."""

import time
from typing import Any

from celery import signals

from ops import logs
from org.metrics import CELERY_TASK_DURATION, CELERY_TASKS

_HEADER = "tandem_request_id"


def _task_name(sender: Any, task: Any = None) -> str:
    named = task or sender
    return str(getattr(named, "name", None) or named or "unknown")


def _before_publish(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    rid = logs.request_id.get()
    if rid and headers is not None:
        headers.setdefault(_HEADER, rid)


def _prerun(task: Any = None, **kwargs: Any) -> None:
    if task is None:
        return
    task.request._tandem_started = time.perf_counter()
    rid = getattr(task.request, _HEADER, None)
    if rid and rid != logs.request_id.get():
        task.request._tandem_rid_token = logs.request_id.set(rid)


def _postrun(task: Any = None, **kwargs: Any) -> None:
    if task is None:
        return
    started = getattr(task.request, "_tandem_started", None)
    if started is not None:
        CELERY_TASK_DURATION.labels(_task_name(task)).observe(time.perf_counter() - started)
    token = getattr(task.request, "_tandem_rid_token", None)
    if token is not None:
        logs.request_id.reset(token)
        task.request._tandem_rid_token = None


def _outcome(outcome: str):  # type: ignore[no-untyped-def]
    def receiver(sender: Any = None, **kwargs: Any) -> None:
        CELERY_TASKS.labels(_task_name(sender), outcome).inc()

    return receiver


_on_success = _outcome("success")
_on_failure = _outcome("failure")
_on_retry = _outcome("retry")


def _on_rejected(sender: Any = None, message: Any = None, **kwargs: Any) -> None:
    name = (getattr(message, "headers", None) or {}).get("task", "unknown")
    CELERY_TASKS.labels(str(name), "rejected").inc()


def connect() -> None:
    signals.before_task_publish.connect(_before_publish, dispatch_uid="ops.rid_publish")
    signals.task_prerun.connect(_prerun, dispatch_uid="ops.prerun")
    signals.task_postrun.connect(_postrun, dispatch_uid="ops.postrun")
    signals.task_success.connect(_on_success, dispatch_uid="ops.success")
    signals.task_failure.connect(_on_failure, dispatch_uid="ops.failure")
    signals.task_retry.connect(_on_retry, dispatch_uid="ops.retry")
    signals.task_rejected.connect(_on_rejected, dispatch_uid="ops.rejected")
