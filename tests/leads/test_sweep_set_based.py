"""The set-based SLA sweep: the history it writes, its two writers (PostgreSQL's unnest UPDATE
and the ORM's for other databases) compared, and a sweep killed mid-batch beside another."""

import threading
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads.models import Escalation, Lead
from leads.services import LeadInput, Source, lead_claim_next, lead_intake, sla_sweep
from leads.services import sweep as sweep_module
from org.models import Notification
from tests.factories import ChannelFactory, UserFactory
from tests.leads.test_sla_sweep import breach_mentions, breaches_counted

T0 = timezone.now().replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def sales_head(db):  # type: ignore[no-untyped-def]
    return UserFactory(role="sales", is_head=True)


def _trail(lead: Lead) -> list[tuple[Any, ...]]:
    return [
        (
            h.history_change_reason,
            h.history_user_id,
            h.history_type,
            h.status,
            h.owner_id,
            h.queue_entry,
            h.sla_breached,
            h.sla_deadline,
        )
        for h in lead.history.order_by("history_id")  # type: ignore[attr-defined]
    ][1:]  # after the intake row


@pytest.mark.django_db
def test_history_rows_are_the_ones_save_wrote(make_lead, sales_head, seller, manager):
    owned = make_lead(now=T0)
    lead_claim_next(user=seller, now=T0)
    unowned = make_lead(now=T0)
    deadline = Lead.objects.get(pk=owned.pk).sla_deadline
    clock = T0 + timedelta(minutes=30)  # both levels due in one sweep

    assert sla_sweep(now=clock).total == 4

    assert _trail(owned) == [
        ("claimed", seller.pk, "~", "assigned", seller.pk, 1, False, deadline),
        ("SLA breached: level 1", None, "~", "assigned", seller.pk, 1, True, deadline),
        (
            "SLA level 2: owner removed, back to the queue",
            None,
            "~",
            "new",
            None,
            2,
            True,
            clock + timedelta(minutes=5),
        ),
    ]
    assert _trail(unowned) == [
        ("SLA breached: level 1", None, "~", "new", None, 1, True, deadline),
        ("SLA level 2: management notified", None, "~", "new", None, 1, True, deadline),
    ]


# The fixed statement count is PostgreSQL's: SQLite splits bulk writes by its parameter limit.
@pytest.mark.postgres
@pytest.mark.django_db
def test_a_batch_is_a_fixed_number_of_statements(make_lead, sales_head, seller, manager):
    for _ in range(30):
        make_lead(now=T0)
    for _ in range(15):
        lead_claim_next(user=seller, now=T0)
    with CaptureQueriesContext(connection) as one:
        sla_sweep(now=T0 + timedelta(minutes=30))
    assert Escalation.objects.count() == 60
    for _ in range(60):
        make_lead(now=T0)
    for _ in range(30):
        lead_claim_next(user=seller, now=T0)
    with CaptureQueriesContext(connection) as many:
        sla_sweep(now=T0 + timedelta(minutes=30))
    assert Escalation.objects.count() == 180
    assert len(many.captured_queries) == len(one.captured_queries)  # not per lead


@pytest.mark.postgres
@pytest.mark.django_db
def test_unnest_update_and_orm_update_leave_the_same_rows(
    make_lead, sales_head, seller, manager, monkeypatch
):
    for i in range(12):
        make_lead(now=T0 + timedelta(minutes=i))
    for _ in range(6):
        lead_claim_next(user=seller, now=T0)

    def sweep_with(write: Any) -> list[dict[str, Any]]:
        class Rollback(Exception):
            pass

        rows: list[dict[str, Any]] = []
        monkeypatch.setattr(sweep_module, "_write", write)
        try:
            with transaction.atomic():
                for minute in (5, 9, 13, 30):
                    sla_sweep(now=T0 + timedelta(minutes=minute))
                skip = {"updated_at", "history_id", "history_date"}
                rows = [
                    {k: v for k, v in row.items() if k not in skip}
                    for row in Lead.objects.order_by("pk").values()
                ] + [
                    {k: v for k, v in row.items() if k not in skip}
                    for row in Lead.history.order_by("history_id").values()  # type: ignore[attr-defined]
                ]
                raise Rollback
        except Rollback:
            pass
        return rows

    orm = sweep_with(sweep_module._write_orm)
    assert sweep_with(sweep_module._write_postgresql) == orm
    assert sum(1 for row in orm if str(row.get("history_change_reason")).startswith("SLA")) > 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_one_killed_mid_batch_escalate_each_level_once(monkeypatch):
    UserFactory(role="sales", is_head=True)
    UserFactory(role="management")
    seller = UserFactory(role="sales")
    channel = ChannelFactory(slug="web")
    for i in range(300):
        lead_intake(
            data=LeadInput(name=f"L{i}", channel=channel, email=f"l{i}@x.ru"),
            source=Source.API,
            now=T0,
        )
    for _ in range(100):
        lead_claim_next(user=seller, now=T0)
    monkeypatch.setattr(sweep_module, "BATCH_SIZE", 40)
    locked, survivor_done = threading.Event(), threading.Event()

    def kill_mid_batch(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if sql.lstrip().upper().startswith("INSERT") and "leads_escalation" in sql:
            # This sweep holds its batch and has decided; the other sweep runs meanwhile
            # (skipping these rows), then this process dies before its batch commits.
            locked.set()
            survivor_done.wait(timeout=60)
            pid = connection.connection.info.backend_pid
            with psycopg.connect(**_params(), autocommit=True) as killer:
                killer.execute("SELECT pg_terminate_backend(%s)", [pid])
        return execute(sql, params, many, context)

    errors: dict[str, BaseException] = {}

    def killed() -> None:
        try:
            with connection.execute_wrapper(kill_mid_batch):
                sla_sweep(now=T0 + timedelta(minutes=30))
        except BaseException as exc:
            errors["killed"] = exc
        finally:
            locked.set()
            connection.close()

    def survivor() -> None:
        try:
            locked.wait(timeout=60)
            sla_sweep(now=T0 + timedelta(minutes=30))
        except BaseException as exc:
            errors["survivor"] = exc
        finally:
            survivor_done.set()
            connection.close()

    threads = [threading.Thread(target=killed), threading.Thread(target=survivor)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "survivor" not in errors, errors
    assert "killed" in errors  # it really died mid-batch; its batch rolled back
    assert Escalation.objects.count() == 600 - 2 * 40  # all but the dead sweep's batch

    sla_sweep(now=T0 + timedelta(minutes=30))  # the next beat redoes what the dead one held

    levels = list(Escalation.objects.values_list("lead_id", "queue_entry", "level"))
    assert len(levels) == len(set(levels)) == 600  # both levels of 300 leads, each once
    # One digest per sweep that committed, and every breach told exactly once.
    assert Notification.objects.filter(subject__startswith="SLA breached").count() <= 3
    # The headlines count every breach once (the bodies name the first DIGEST_LINES of each).
    assert breaches_counted() == Lead.objects.count() == 300
    named = breach_mentions()
    assert len(named) == len(set(named))
    assert Lead.objects.filter(queue_entry=2, status="new", owner__isnull=True).count() == 100
    assert not Lead.objects.filter(sla_next_check_at__lte=T0 + timedelta(minutes=30)).exists()


def _params() -> dict[str, Any]:
    s = connection.settings_dict
    params: dict[str, Any] = {"dbname": s["NAME"], "user": s["USER"], "host": s["HOST"]}
    if s.get("PASSWORD"):
        params["password"] = s["PASSWORD"]
    if s.get("PORT"):
        params["port"] = int(s["PORT"])
    return params
