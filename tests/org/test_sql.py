"""``org.sql``: rows read by hand-written SQL are the instances the ORM reads."""

from datetime import time

import pytest
from django.forms.models import model_to_dict

from leads.models import Lead, SlaPolicy
from org import sql
from tests.factories import LeadFactory


def _state(obj: object) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_select_reads_what_the_orm_reads(channel):
    lead = LeadFactory(channel=channel, qualification={"budget": True, "need": None})
    LeadFactory(channel=channel)
    policy = SlaPolicy.objects.create(
        name="Weekdays",
        first_response_minutes=15,
        channel=channel,
        business_hours_start=time(9),
        business_hours_end=time(18),
        working_days=[1, 2, 3],
        timezone="Europe/Moscow",
    )
    [read] = sql.select(Lead, "id = %s", [lead.pk])
    assert type(read) is Lead and not read._state.adding and read._state.db == "default"
    assert _state(read) == _state(Lead.objects.get(pk=lead.pk))
    assert read.qualification == {"budget": True, "need": None}  # JSON, not its text
    [read_policy] = sql.select(
        SlaPolicy, "channel_id = %s AND segment IN (%s, %s)", [channel.pk, "", "x"]
    )
    assert model_to_dict(read_policy) == model_to_dict(SlaPolicy.objects.get(pk=policy.pk))
    assert read_policy.working_days == [1, 2, 3]
    assert sql.select(Lead, "id = %s", [-1]) == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_execute_prepares_its_statement_and_nothing_else_is_prepared(marketer, channel):
    """``org.sql.execute`` runs intake's write as a prepared statement once it has run
    ``prepare_threshold`` times on the connection; the ORM's queries, many more, never are
    (they bind client-side), so the generic plan mode touches only such statements."""
    from django.db import connection

    from leads.services import LeadInput, Source, lead_intake
    from leads.sla import policy_for

    for i in range(8):
        lead_intake(
            data=LeadInput(name=f"L{i}", channel=channel, email=f"l{i}@x.ru"),
            source=Source.API,
            by=marketer,
        )
        Lead.objects.filter(channel=channel).count()  # the ORM, as often
        policy_for(channel=channel, segment="")  # org.sql.select
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans FROM pg_prepared_statements")
        prepared = dict(cursor.fetchall())
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("force_generic_plan",)
    [write] = [s for s in prepared if s.startswith("WITH new_lead AS")]
    assert prepared[write] >= 3  # runs 6-8 executed it, with the generic plan
    assert any('FROM "leads_slapolicy" WHERE' in s for s in prepared)  # org.sql.select
    # The ORM qualifies every column with its table; none of its queries was prepared.
    assert not [s for s in prepared if '"leads_lead"."' in s or '"leads_slapolicy"."' in s]
    assert Lead.objects.count() == 8


@pytest.mark.django_db
def test_select_together_reads_each_query_alike_however_it_is_sent(channel):
    """Pipelined (PostgreSQL), as one logged simple query (while queries are logged) or one
    after the other (SQLite): the same instances, each query's in its place."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lead = LeadFactory(channel=channel, email="a@x.ru")
    policy = SlaPolicy.objects.create(name="Web", first_response_minutes=9, channel=channel)
    queries: list[sql.Query] = [
        (Lead, "email IN (%s, %s)", ["a@x.ru", "b@x.ru"]),
        (SlaPolicy, "channel_id = %s", [channel.pk]),
        (Lead, "id = %s", [-1]),
    ]
    first = ("SELECT 1", []) if connection.vendor == "postgresql" else None
    quiet = sql.select_together(queries, first=first)
    with CaptureQueriesContext(connection) as logged:
        loud = sql.select_together(queries, first=first)
    assert [[_state(o) for o in found] for found in quiet] == [
        [_state(o) for o in found] for found in loud
    ]
    assert [[o.pk for o in found] for found in quiet] == [[lead.pk], [policy.pk], []]
    assert all(q["sql"] for q in logged.captured_queries)  # the log shows the statements
