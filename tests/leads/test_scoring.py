"""Lead scoring (issue 15; docs/api.md, Lead scores): training on synthetic closed leads whose
answer is known, the thresholds, intake scoring, rescoring, no leakage, explanations."""

import math
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads.models import Lead, ScoringModel
from leads.scoring import features, scoring
from leads.scoring.training import MIN_CLOSED_LEADS, rescore_open_leads, train_scoring
from leads.scoring.words import describe, factor_rows
from leads.services import lead_qualify, lead_touch
from tests.factories import ChannelFactory
from tests.leads.scoring_data import closed_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def expo(db):  # type: ignore[no-untyped-def]
    return ChannelFactory(slug="expo", name="Exhibitions")


@pytest.fixture
def cold(db):  # type: ignore[no-untyped-def]
    return ChannelFactory(slug="cold", name="Cold calls")


@pytest.fixture
def trained(expo, cold, channel):  # type: ignore[no-untyped-def]
    closed_history(converting=expo, failing=cold, mixed=channel, per_channel=40)
    result = train_scoring()
    assert result.model is not None, result.reason
    return result.model


# --- Not enough history ---------------------------------------------------------------------


def test_fewer_than_40_closed_leads_trains_nothing_and_says_why(expo, cold):
    # given 38 closed leads (19 per channel) and an open one
    closed_history(converting=expo, failing=cold, per_channel=19)
    out = StringIO()
    # when
    call_command("train_scoring", stdout=out)
    # then: no model, the reason, exit 0 (call_command raised nothing)
    assert ScoringModel.objects.count() == 0
    assert "Not enough history: 38 closed leads, at least 40 are needed." in out.getvalue()


def test_forty_closed_leads_are_enough(expo, cold):
    closed_history(converting=expo, failing=cold, per_channel=MIN_CLOSED_LEADS // 2)
    assert train_scoring().model is not None


def test_duplicates_do_not_count_as_history(expo, cold):
    leads = closed_history(converting=expo, failing=cold, per_channel=20)
    Lead.objects.filter(pk=leads[-1].pk).update(
        disqualification_reason=Lead._meta.get_field("disqualification_reason")
        .related_model.objects.get(code="duplicate")
        .pk
    )
    result = train_scoring()
    assert result.model is None
    assert "39 closed leads" in result.reason


def test_one_outcome_only_trains_nothing(expo, cold):
    closed_history(converting=expo, failing=cold, per_channel=30)
    Lead.objects.update(status=Lead.Status.DISQUALIFIED)
    out = StringIO()
    call_command("train_scoring", stdout=out)
    assert ScoringModel.objects.count() == 0
    assert "same outcome" in out.getvalue()


# --- What the model learns -------------------------------------------------------------------


def test_a_channel_that_always_converts_scores_higher_than_one_that_never_does(
    trained, make_lead, expo, cold
):
    good = make_lead(channel=expo, region="north")
    bad = make_lead(channel=cold, region="north")
    assert good.score is not None and bad.score is not None
    assert good.score > Decimal("0.7") > Decimal("0.3") > bad.score
    effects = dict(scoring.compiled(trained.pk).effects(["channel=expo", "channel=cold"]))
    assert effects["channel=expo"] > 1 and effects["channel=cold"] < -1


def test_a_feature_without_signal_gets_a_near_zero_effect(trained):
    model = scoring.compiled(trained.pk)
    effects = dict(model.effects(["region=north", "region=south", "channel=expo"]))
    assert abs(effects["region=north"]) < 0.1
    assert abs(effects["region=south"]) < 0.1
    assert abs(effects["channel=expo"]) > 10 * abs(effects["region=north"])


def test_the_model_is_stored_as_data_and_versioned(trained, expo, cold):
    assert trained.version == 1
    assert trained.closed_leads == 120 and trained.converted_leads == 60
    assert trained.trained_at is not None
    assert "channel=expo" in trained.weights and isinstance(trained.weights["channel=expo"], float)
    # the newest 20% were held out of a model trained on the rest: a clean signal separates them
    assert trained.holdout_leads == 24
    assert trained.auc is not None and trained.auc > 0.9
    assert len(trained.calibration_table) == 10
    assert train_scoring().model.version == 2


def test_training_is_deterministic(expo, cold, channel):
    closed_history(converting=expo, failing=cold, mixed=channel, per_channel=20)
    first = train_scoring().model
    second = train_scoring().model
    assert first.weights == second.weights
    assert first.intercept == second.intercept


def test_scores_are_calibrated_probabilities(trained, make_lead, channel):
    # the mixed channel converted half of the time
    lead = make_lead(channel=channel)
    assert Decimal("0.3") < lead.score < Decimal("0.7")


# --- Scoring at intake and rescoring -----------------------------------------------------------


def test_a_new_lead_is_scored_at_intake_with_the_stored_arithmetic(trained, make_lead, expo):
    lead = make_lead(channel=expo, company="Acme", need="Forty forklifts by May")
    lead.refresh_from_db()
    tokens = features.lead_tokens(lead)
    z = trained.intercept + sum(trained.weights.get(t, 0.0) for t in tokens)
    expected = 1 / (1 + math.exp(trained.calibration_a * z + trained.calibration_b))
    assert lead.score == Decimal(expected).quantize(Decimal("0.0001"))
    assert lead.score_model_id == trained.pk


def test_leads_arriving_before_any_model_have_no_score(make_lead):
    lead = make_lead()
    lead.refresh_from_db()
    assert lead.score is None and lead.score_model is None


def test_training_rescores_open_leads_but_not_closed_ones(expo, cold, make_lead):
    closed = closed_history(converting=expo, failing=cold, per_channel=20)
    waiting = [make_lead(channel=expo), make_lead(channel=cold)]
    result = train_scoring()
    assert result.rescored == 2
    for lead in waiting:
        lead.refresh_from_db()
        assert lead.score is not None and lead.score_model_id == result.model.pk
    assert not Lead.objects.filter(pk__in=[c.pk for c in closed], score__isnull=False).exists()


def test_rescoring_is_set_based(trained, make_lead, expo):
    for _ in range(5):
        make_lead(channel=expo)
    Lead.objects.update(score=None)
    with CaptureQueriesContext(connection) as queries:
        assert rescore_open_leads(scoring.compiled(trained.pk), batch=2) == 5
    updates = [q["sql"] for q in queries.captured_queries if "UPDATE" in q["sql"].upper()]
    if connection.vendor == "postgresql":
        # computed by the database: its statements per slice of ids, whatever the number of leads
        from leads.scoring.sql import PASSES

        assert len(updates) == PASSES
    else:
        assert len(updates) == 3  # 2 + 2 + 1 leads, one UPDATE per batch
    assert not Lead.objects.filter(status=Lead.Status.NEW, score__isnull=True).exists()


def test_rescoring_writes_no_history(trained, make_lead, expo):
    lead = make_lead(channel=expo)
    before = lead.history.count()
    rescore_open_leads(scoring.compiled(trained.pk))
    assert lead.history.count() == before


# --- No leakage --------------------------------------------------------------------------------


def test_a_leads_score_does_not_change_when_it_is_worked(trained, make_lead, expo, seller):
    # given a scored lead
    lead = make_lead(channel=expo, company="Acme")
    lead.refresh_from_db()
    score, tokens = lead.score, features.lead_tokens(lead)
    # when it is claimed, touched and qualified
    Lead.objects.filter(pk=lead.pk).update(
        owner=seller, status=Lead.Status.ASSIGNED, assigned_at=timezone.now()
    )
    lead.refresh_from_db()
    lead_touch(lead=lead, by=seller, kind="call")
    lead.refresh_from_db()
    lead_qualify(
        lead=lead,
        by=seller,
        criteria={
            "target_segment": True,
            "real_need": True,
            "valid_contacts": True,
            "ready_for_dialog": True,
        },
    )
    lead.refresh_from_db()
    assert lead.status == Lead.Status.QUALIFIED
    # then its features and, rescored by the same model, its score are what they were
    assert features.lead_tokens(lead) == tokens
    rescore_open_leads(scoring.compiled(trained.pk))
    lead.refresh_from_db()
    assert lead.score == score


def test_features_read_only_arrival_time_fields():
    assert set(features.INPUT_FIELDS).isdisjoint(
        {
            "status",
            "owner",
            "assigned_at",
            "first_touch_at",
            "qualification",
            "qualified_at",
            "closed_at",
            "disqualification_reason",
            "sla_breached",
            "duplicate_requests",
        }
    )


def test_tokens_from_the_database_match_tokens_from_the_object(trained, make_lead, expo):
    lead = make_lead(channel=expo, company="Acme", need="x" * 300, phone="+79161234567")
    rows = features.input_rows(Lead.objects.filter(pk=lead.pk))
    [(_pk, tokens)] = list(features.tokens_of_rows(rows, features.Slugs.load()))
    assert tokens == features.lead_tokens(lead)
    assert "need=long" in tokens and "contacts=both" in tokens and "company=given" in tokens


# --- Explanations ------------------------------------------------------------------------------


def test_factors_are_in_words_strongest_first(trained, make_lead, expo):
    lead = make_lead(channel=expo, email="someone@gmail.com")
    rows = factor_rows(lead)
    assert rows and rows[0]["factor"] == "channel Exhibitions" and rows[0]["effect"] > 0
    strengths = [abs(r["effect"]) for r in rows]
    assert strengths == sorted(strengths, reverse=True)


def test_factor_words_are_translated():
    from django.utils import translation

    with translation.override("ru"):
        assert describe("email_domain=free") == "бесплатный почтовый домен"
    assert describe("email_domain=free") == "free e-mail domain"
    assert describe("weekday=1") == "arrived on a Monday"
    assert describe("campaign=") == "no campaign"


def test_lead_detail_has_score_and_factors(trained, make_lead, expo, as_user, manager):
    lead = make_lead(channel=expo)
    body = as_user(manager).get(f"/api/v1/leads/{lead.pk}/").json()
    assert body["score"] == float(lead.score)
    assert body["score_factors"][0] == {
        "factor": "channel Exhibitions",
        "effect": body["score_factors"][0]["effect"],
    }
    assert body["score_factors"][0]["effect"] > 0


def test_lead_detail_without_a_model(make_lead, as_user, manager):
    lead = make_lead()
    body = as_user(manager).get(f"/api/v1/leads/{lead.pk}/").json()
    assert body["score"] is None and body["score_factors"] == []


# --- Erased leads ------------------------------------------------------------------------------


def test_an_erased_lead_loses_its_score_and_is_not_rescored(trained, make_lead, expo):
    from leads.services.privacy import lead_erase

    # given a scored open lead
    lead = make_lead(channel=expo, company="Acme", phone="+79161234567")
    lead.refresh_from_db()
    assert lead.score is not None
    # when its person's data is erased
    lead_erase(lead=lead, by=None, reason="asked")
    lead.refresh_from_db()
    # then the score (profiling of the person) is gone, with nothing to explain
    assert lead.score is None and lead.score_model_id is None
    assert factor_rows(lead) == []
    # and a rescoring does not score it again from the blanked fields
    rescore_open_leads(scoring.compiled(trained.pk))
    lead.refresh_from_db()
    assert lead.score is None and lead.score_model_id is None


def test_the_page_of_an_erased_lead_says_why_it_has_no_score(
    trained, make_lead, expo, client, manager
):
    from leads.services.privacy import lead_erase

    lead = lead_erase(lead=make_lead(channel=expo), by=None, reason="asked")
    client.force_login(manager)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "data was erased, and with it the score" in page
    assert "Not scored yet" not in page


def test_erased_leads_are_not_trained_on(expo, cold):
    from leads.services.privacy import lead_erase

    leads = closed_history(converting=expo, failing=cold, per_channel=20)
    lead_erase(lead=leads[0], by=None, reason="asked")
    result = train_scoring()
    assert result.model is None
    assert "39 closed leads" in result.reason
