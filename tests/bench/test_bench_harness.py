"""The benchmark harness must keep working: each scenario runs end to end on a tiny data set.

Only correctness is asserted here (leads handed out once, exactly the due leads escalated,
one lead per contact); speed is what ``make bench`` reports, never a pass/fail condition.
"""

from pathlib import Path

import pytest

from bench import harness, scenario_claim, scenario_intake, scenario_sweep
from bench.urls import FLOOR_SUBJECT
from leads.models import Escalation, Lead
from org.models import Notification


def args_for(*argv: str):  # type: ignore[no-untyped-def]
    return harness.parse_args(argv, harness.discover())


def test_every_scenario_module_has_the_interface():
    scenarios = harness.discover()

    assert {"claim", "intake", "sweep"} <= set(scenarios)
    for name, module in scenarios.items():
        assert name == module.NAME
        assert callable(module.run)


def test_scenarios_sharing_a_data_set_run_back_to_back():
    order = list(harness.discover())

    assert abs(order.index("claim") - order.index("sweep")) == 1


def test_a_scenario_that_does_not_import_fails_alone_with_the_reason():
    stand_in = harness._broken("scenario_report", ImportError("No module named 'kpi.nothing'"))

    assert stand_in.NAME == "report"
    outcome = harness.run_scenario("report", stand_in, args_for())
    assert "bench/scenario_report.py does not import" in outcome.error
    assert "kpi.nothing" in outcome.error


def test_options_mix_with_scenario_names_and_bad_values_are_refused(capsys):
    args = args_for("claim", "--leads", "100000", "sweep", "--breaching", "50")

    assert args.scenarios == ["claim", "sweep"]
    assert (args.leads, args.breaching, args.threads) == (100000, 50, None)
    for argv in (["nonsense"], ["--leads", "0"], ["--duplicates", "1.5"]):
        with pytest.raises(SystemExit):
            args_for(*argv)
    assert "unknown scenario nonsense" in capsys.readouterr().err


def test_a_database_url_that_is_not_postgresql_is_refused_with_a_clear_message(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert "needs DATABASE_URL pointing at PostgreSQL" in (harness._require_postgres_url() or "")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///db.sqlite3")
    assert "sqlite:///db.sqlite3" in (harness._require_postgres_url() or "")
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tandem_bench")
    assert harness._require_postgres_url() is None


def test_tables_put_long_values_below_and_keep_every_column():
    rows = [{"variant": "a", "claims/s": 1234.5}, {"variant": "b", "plan": "Limit\n  -> Scan"}]

    text = harness.text_table(rows)
    markdown = harness.markdown_table(rows)

    assert text.splitlines()[0].split() == ["variant", "claims/s"]
    assert "1,234" in text and "    -> Scan" in text
    assert markdown.splitlines()[:2] == ["| variant | claims/s |", "|---|---:|"]
    assert "```\nLimit\n  -> Scan\n```" in markdown


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claim_scenario_hands_every_lead_out_once_and_puts_the_queue_back():
    rows = scenario_claim.run(args_for("--leads", "200", "--claims", "120", "--threads", "4"))

    service, raw, ratio, plan = rows
    for row in (service, raw):
        assert row["claims"] == 120
        assert row["claimed twice"] == 0
        assert row["assigned in db"] == 120
        assert row["queue order kept"] is True
    assert ratio["variant"] == "raw / service"
    assert "SKIP LOCKED" not in str(plan["plan"])  # a plan, not the statement
    assert "LockRows" in str(plan["plan"])
    assert Lead.objects.filter(status=Lead.Status.NEW, owner=None).count() == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sweep_scenario_escalates_exactly_the_due_leads_once():
    rows = scenario_sweep.run(
        args_for("--leads", "300", "--breaching", "40", "--sweep-burst", "250")
    )

    idle, explain, due, again, burst, burst_again = rows
    assert (idle["due"], idle["escalated"]) == (0, 0)
    assert "sla_next_check_at" in str(explain["plan"])
    assert (due["due"], due["escalated"]) == (40, 40)
    assert again["escalated"] == 0
    # The burst spans more than one SLA period (10 ms apart, 5 minutes): all level 1 only.
    assert (burst["due"], burst["escalated"]) == (250, 250)
    assert burst["peak RSS growth MiB"] >= 0
    assert burst_again["escalated"] == 0
    # Put back for the next run: nothing breached, no escalations left.
    assert not Lead.objects.filter(sla_breached=True).exists()
    assert not Escalation.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_intake_scenario_creates_one_lead_per_contact_through_a_real_server():
    rows = scenario_intake.run(
        args_for(
            *("--requests", "60", "--duplicates", "0.3", "--threads", "4", "--workers", "1"),
            *("--batch-leads", "2500"),
        )
    )

    row, floor, ratio, batch = rows
    assert (row["created (201)"], row["duplicates (200)"], row["errors"]) == (42, 18, 0)
    assert row["leads in db"] == 42
    assert row["duplicate open leads in db"] == 0
    assert floor["requests"] == 60 and ratio["p50 ms"] > 0
    assert (batch["created (201)"], batch["duplicates (200)"], batch["errors"]) == (1750, 750, 0)
    assert (batch["requests"], batch["leads in db"], batch["duplicate open leads in db"]) == (
        3,
        1750,
        0,
    )
    assert not Lead.objects.filter(created_by__username="bench-manager-01").exists()
    assert not Notification.objects.filter(subject=FLOOR_SUBJECT).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_results_are_recorded_as_markdown_with_the_machine(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(harness, "RESULTS_DIR", tmp_path)
    outcome = harness.Outcome("claim", rows=[{"claims/s": 10.0}], seconds=1.0)

    path = harness.write_markdown([outcome], ["claim", "--leads", "200"], harness.datetime.now())

    text = path.read_text()
    assert 'Command: `make bench BENCH_ARGS="claim --leads 200"`' in text
    assert "- PostgreSQL: " in text and "## claim" in text and "| claims/s |" in text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_lists_scenario_measures_first_and_deep_pages_and_a_workers_memory():
    from bench import scenario_lists

    rows = scenario_lists.run(
        args_for("--leads", "2000", "--funnel-deals", "200", "--lists-repeat", "1")
    )

    lists = {(row["list"], row["page"]) for row in rows[:-1]}
    assert ("lead list API", 20) in lists and ("lead list page", 20) in lists
    assert {"queue page", "deal board"} <= {name for name, _ in lists}
    memory = rows[-1]
    assert 0 < memory["median ms"] < 1000  # MiB, the worker's resident memory
    assert not Lead.objects.filter(created_by__username="bench-manager-01").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_scoring_scenario_trains_rescores_and_backtests_a_known_answer():
    from bench import scenario_scoring

    rows = scenario_scoring.run(args_for("--leads", "3000"))

    steps = {row["step"]: row for row in rows}
    train = steps["train on 3,000 closed leads"]
    assert "hold-out AUC" in train["note"]
    assert "rescore 3,000 open leads" in steps
    assert not Lead.objects.filter(status="new", score__isnull=True).exists()
    # the outcomes depend on the features: the backtest finds it
    backtest = next(row for row in rows if row["step"].startswith("backtest: train"))
    assert float(backtest["note"].rsplit("AUC ", 1)[1]) > 0.6
    deciles = [row for row in rows if row["step"].startswith("backtest decile")]
    assert len(deciles) == 10
    assert deciles[-1]["actual"] > deciles[0]["actual"]
    assert rows[-1]["step"] == "scores ahead of actual outcomes by"
