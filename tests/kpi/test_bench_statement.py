"""The statement benchmark runs end to end on a tiny data set and its two variants agree.

Only correctness is asserted: the statement service and the hand-written SQL it is timed
against give identical lines, in a number of queries that does not depend on the period's
size. Speed is what ``make bench`` reports.
"""

import pytest

from bench import harness, scenario_statement
from kpi.models import Statement


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_statement_scenario_compares_equal_lines() -> None:
    args = harness.parse_args(
        ["statement", "--leads", "3000", "--statement-repeat", "1"], harness.discover()
    )
    rows = scenario_statement.run(args)

    compared = rows[0]
    assert compared["same lines"] is True
    assert (compared["leads"], compared["deals"], compared["payments"]) == (3000, 300, 600)
    assert compared["members"] == 200
    assert compared["service queries"] == compared["service queries, 1 month"]
    assert [row["case"] for row in rows[1:]] == [
        "memory, service",
        "memory, SQL",
        "statement_create (compute + write)",
    ]
    assert Statement.objects.get().lines.count() == 200
