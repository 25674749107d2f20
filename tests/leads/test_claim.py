"""The claim: order (fresh before breached), the one-statement PostgreSQL path against the
ORM path, and its guarantees under concurrency."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from leads.models import Lead
from leads.services import CapacityReached, lead_claim_next
from leads.services.queue import _claim_orm, _claim_postgresql
from tests.conftest import race
from tests.factories import UserFactory

T0 = timezone.now().replace(microsecond=0) - timedelta(hours=1)


def _queue(make_lead: Callable[..., Lead]) -> list[Lead]:
    """Six waiting leads, three flagged breached, deadlines interleaved; their claim order."""
    leads = [make_lead(now=T0 + timedelta(minutes=m)) for m in (4, 0, 2, 1, 5, 3)]
    breached = [leads[1], leads[3], leads[5]]  # deadlines T0+0, +1, +3
    Lead.objects.filter(pk__in=[lead.pk for lead in breached]).update(sla_breached=True)
    fresh = [leads[2], leads[0], leads[4]]  # deadlines T0+2, +4, +5
    return [*fresh, *sorted(breached, key=lambda lead: lead.sla_deadline)]  # type: ignore[arg-type, return-value]


@pytest.mark.django_db
def test_claim_hands_out_fresh_leads_before_breached_ones(as_user, seller, make_lead):
    order = _queue(make_lead)
    got = [as_user(seller).post("/api/v1/leads/claim/").json()["id"] for _ in order]
    assert got == [lead.pk for lead in order]
    assert as_user(seller).post("/api/v1/leads/claim/").status_code == 204


@pytest.mark.django_db
def test_queue_page_lists_in_claim_order(client, seller, make_lead):
    order = _queue(make_lead)
    client.force_login(seller)
    page = client.get("/leads/queue/")
    assert page.status_code == 200
    assert [lead.pk for lead in page.context["waiting"]] == [lead.pk for lead in order]


@pytest.mark.django_db
def test_claim_writes_one_history_row_by_the_claimer(seller, make_lead):
    lead = make_lead()
    claimed = lead_claim_next(user=seller)
    assert claimed is not None and claimed.pk == lead.pk
    assert claimed.status == "assigned" and claimed.owner_id == seller.pk
    record = claimed.history.latest()  # type: ignore[attr-defined]
    assert record.history_change_reason == "claimed"
    assert record.history_user_id == seller.pk
    assert record.history_type == "~"
    assert record.status == "assigned" and record.owner_id == seller.pk
    assert claimed.history.count() == 2  # type: ignore[attr-defined]  # intake + claim


# --- The one-statement claim against the ORM's, same data -------------------------------------

SKIP = {"history_id", "history_date", "updated_at"}


def _run(claim: Callable[..., Lead | None], users: list[Any], rounds: int) -> list[Any]:
    """Claim ``rounds`` times per user in turn (rolled back after): what each call returned
    and every lead and history row as they stood afterwards."""
    outcome: list[Any] = []

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            for _ in range(rounds):
                for user in users:
                    try:
                        lead = claim(user=user, now=T0 + timedelta(minutes=30))
                    except CapacityReached as exc:
                        outcome.append(("capacity", user.pk, exc.limit))
                        continue
                    if lead is None:
                        outcome.append(("empty", user.pk))
                        continue
                    row = {f.attname: getattr(lead, f.attname) for f in Lead._meta.concrete_fields}
                    outcome.append(("lead", {k: v for k, v in row.items() if k not in SKIP}))
            outcome.append(
                [
                    {k: v for k, v in row.items() if k not in SKIP}
                    for row in Lead.objects.order_by("pk").values()
                ]
            )
            outcome.append(
                [
                    {k: v for k, v in row.items() if k not in SKIP}
                    for row in Lead.history.order_by("history_id").values()  # type: ignore[attr-defined]
                ]
            )
            raise Rollback
    except Rollback:
        pass
    return outcome


@pytest.mark.postgres
@pytest.mark.django_db
def test_one_statement_claim_matches_the_orm_claim(make_lead, capacity):
    _queue(make_lead)
    for m in range(6):  # a few more, one of them without a deadline
        lead = make_lead(now=T0 + timedelta(minutes=10 + m))
    Lead.objects.filter(pk=lead.pk).update(sla_deadline=None)
    free, limited = UserFactory(role="sales"), UserFactory(role="sales")
    capacity(limited, 2)
    unlimited = UserFactory(role="sales")
    capacity(unlimited, None)  # a profile without a capacity

    users = [free, limited, unlimited]
    orm = _run(_claim_orm, users, rounds=6)
    sql = _run(_claim_postgresql, users, rounds=6)
    assert sql == orm
    assert ("capacity", limited.pk, 2) in orm  # the limit was reached
    assert ("empty", free.pk) in orm  # and the queue emptied
    assert len(orm[-1]) > 12  # history rows were compared


# --- Concurrency on PostgreSQL ----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_keep_the_order_and_never_share_a_lead(make_lead):
    leads = [make_lead(now=T0 + timedelta(seconds=i)) for i in range(120)]
    breached = leads[::3]
    Lead.objects.filter(pk__in=[lead.pk for lead in breached]).update(sla_breached=True)
    order = [lead.pk for lead in leads if lead not in breached] + [lead.pk for lead in breached]
    sellers = [UserFactory(role="sales") for _ in range(8)]

    def claimer(seller: Any) -> Callable[[], list[int]]:
        def work() -> list[int]:
            got = []
            for _ in range(10):
                lead = lead_claim_next(user=seller)
                assert lead is not None
                got.append(lead.pk)
            return got

        return work

    results = race(*[claimer(s) for s in sellers], reraise=True)
    claimed = [pk for got in results for pk in got]
    assert len(claimed) == len(set(claimed)) == 80
    # SKIP LOCKED skips only rows another claimer holds: once all committed, the claimed
    # leads are exactly the first 80 in claim order, and each claimer got its own in order.
    assert set(claimed) == set(order[:80])
    for got in results:
        assert got == sorted(got, key=order.index)
    assert Lead.history.filter(history_change_reason="claimed").count() == 80  # type: ignore[attr-defined]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_capacity_holds_for_many_tabs_while_others_claim(make_lead, capacity):
    for i in range(60):
        make_lead(now=T0 + timedelta(seconds=i))
    limited = UserFactory(role="sales")
    capacity(limited, 4)
    others = [UserFactory(role="sales") for _ in range(4)]

    def tab() -> str:
        try:
            return "lead" if lead_claim_next(user=limited) else "empty"
        except CapacityReached:
            return "full"

    def other(seller: Any) -> Callable[[], int]:
        return lambda: sum(lead_claim_next(user=seller) is not None for _ in range(5))

    results = race(*[tab for _ in range(10)], *[other(s) for s in others], reraise=True)
    assert results[:10].count("lead") == 4
    assert results[:10].count("full") == 6
    assert Lead.objects.filter(owner=limited, status="assigned").count() == 4
    assert sum(results[10:]) == 20
