"""A real worker (through Redis) logs with the id of the request that enqueued the task."""

import logging

import pytest
from celery.contrib.testing.worker import start_worker

from ops import logs
from tests.config.test_celery_redis import redis_app, wait_for  # noqa: F401 (fixture)

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.addFilter(logs.RequestIdFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_the_request_id_crosses_into_the_worker(redis_app):  # noqa: F811
    from ops.tasks import sla_sweep_watchdog_task

    handler = Collect()
    logger = logging.getLogger("ops.services")
    logger.addHandler(handler)
    try:
        with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            token = logs.request_id.set("web-req-0123456789")
            try:
                sla_sweep_watchdog_task.apply_async()
            finally:
                logs.request_id.reset(token)
            assert wait_for(lambda: handler.records)
    finally:
        logger.removeHandler(handler)
    (record,) = handler.records
    assert record.getMessage().startswith("SLA sweep outage")
    assert record.request_id == "web-req-0123456789"  # type: ignore[attr-defined]
