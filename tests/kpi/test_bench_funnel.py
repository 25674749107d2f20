"""The funnel benchmark runs end to end on a tiny data set and its two variants agree.

Only correctness is asserted: the report service and the hand-written SQL it is timed
against return the same figures for every grouping. Speed is what ``make bench`` reports.
"""

import pytest

from bench import harness, scenario_funnel
from leads.models import Lead


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_funnel_scenario_compares_equal_figures_and_reuses_its_data():
    args = harness.parse_args(
        ["funnel", "--leads", "3000", "--funnel-deals", "300", "--funnel-repeat", "1"],
        harness.discover(),
    )
    rows = scenario_funnel.run(args)

    compared = [row for row in rows if str(row["case"]).startswith("group_by=")]
    assert [row["case"] for row in compared] == [
        "group_by=channel",
        "group_by=campaign",
        "group_by=segment",
    ]
    assert all(row["same figures"] and row["leads"] == 3000 for row in compared)
    assert all(row["deals"] == 300 for row in compared)
    memory = [row for row in rows if str(row["case"]).startswith("memory")]
    assert [row["leads"] for row in memory] == [
        Lead.objects.filter(created_at__month=6).count(),
        3000,
    ]
    # A second run finds the data set intact and does not seed again.
    first_ids = set(Lead.objects.values_list("pk", flat=True)[:10])
    scenario_funnel.ensure_dataset(3000, 300)
    assert first_ids <= set(Lead.objects.values_list("pk", flat=True))
