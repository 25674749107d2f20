"""Lead scoring's hand-written SQL (leads/scoring/sql.py) against the Python it stands for:
the raw inputs PostgreSQL computes equal the ones read from a lead object, and the score a
set-based rescoring writes is exactly the one intake computes, with the same factors."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from leads.models import Campaign, Channel, Lead, ScoringModel, WebForm
from leads.scoring import features, scoring, sql
from leads.scoring.training import rescore_open_leads, rescored_leads
from leads.scoring.words import factor_rows

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

NEEDS = ["", "Price?", "x" * 39, "y" * 40, "Нужна CRM на сорок человек. " * 7, "z" * 200, "ü" * 250]
EMAILS = [  # {i}: open leads have distinct contacts
    "",
    "anna{i}@gmail.com",
    "boss{i}@Acme.Example",
    "odd{i}@",
    '"a@b{i}"@corp.example',  # a quoted local part with an "@": the domain follows the last one
    "ivan{i}@YANDEX.RU",
    "no-at-sign-{i}",
]
TEXTS = ["", "smb", " Enterprise ", "Москва", "MID-MARKET", "\tspb\n"]
UTMS = ["", "Google", "  CPC ", "x" * 80, "Яндекс"]


def _varied_leads(n: int, seed: int = 7) -> list[Lead]:
    """``n`` open leads with every kind of raw value, written as stored (not through intake,
    which would normalise some of them first)."""
    rng = random.Random(seed)
    channels = [Channel.objects.create(name=f"Ch {i}", slug=f"sql-ch-{i}") for i in range(3)]
    campaigns = [
        Campaign.objects.create(name=f"C{i}", slug=f"sql-c-{i}", channel=channels[i % 3])
        for i in range(3)
    ]
    forms = [WebForm.objects.create(name="F", slug="sql-f", channel=channels[0])]
    start = datetime(2026, 3, 28, 20, 30, tzinfo=UTC)  # across a weekend and midnights
    leads = []
    for i in range(n):
        email, phone = rng.choice(EMAILS).format(i=i), rng.choice(["", f"+7916{i:07d}"])
        leads.append(_lead(rng, i, email, phone or ("" if email else f"+7917{i:07d}"), start))
    del channels, campaigns, forms
    return Lead.objects.bulk_create(leads)


def _lead(rng: random.Random, i: int, email: str, phone: str, start: datetime) -> Lead:
    return Lead(
        name=f"Varied {i}",
        email=email,
        phone=phone,
        company=rng.choice(["", "Acme", " "]),
        need=rng.choice(NEEDS),
        segment=rng.choice(TEXTS),
        region=rng.choice(TEXTS),
        utm_source=rng.choice(UTMS),
        utm_medium=rng.choice(UTMS),
        channel=rng.choice(list(Channel.objects.filter(slug__startswith="sql-ch-"))),
        campaign=rng.choice([None, *Campaign.objects.filter(slug__startswith="sql-c-")]),
        form=rng.choice([None, *WebForm.objects.filter(slug="sql-f")]),
        created_at=start + timedelta(minutes=37 * i),
    )


def _sql_tokens(leads: list[Lead]) -> dict[int, list[str]]:
    """Each lead's tokens from ``raw_inputs_sql`` (the database) and ``raw_tokens``."""
    columns = ", ".join(sql.raw_inputs_sql("l"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.id, {columns} FROM leads_lead AS l WHERE l.id = ANY(%s)",  # noqa: S608
            [[lead.pk for lead in leads]],
        )
        rows = cursor.fetchall()
    texts = {
        feature: {row[1 + features.FEATURES.index(feature)] for row in rows}
        for feature in sql.TEXT_RAWS
    }
    tokens = sql.raw_tokens(texts, features.Slugs.load())
    return {row[0]: [tokens[f][raw] for f, raw in enumerate(row[1:])] for row in rows}


@override_settings(TIME_ZONE="Europe/Moscow")
def test_raw_inputs_in_sql_give_the_tokens_python_reads_from_the_lead():
    leads = _varied_leads(120)
    from_sql = _sql_tokens(leads)
    for lead in Lead.objects.filter(pk__in=[x.pk for x in leads]).select_related(
        "channel", "campaign", "form"
    ):
        assert from_sql[lead.pk] == features.lead_tokens(lead), lead.pk
    seen = {token for tokens in from_sql.values() for token in tokens}
    # the cases that differ between a naive SQL rule and Python's are all there
    assert {"segment=enterprise", "region=москва", "region=spb", "email_domain=free"} <= seen
    assert {"email_domain=none", "need=long", "campaign=", "form=", "hour=night"} <= seen


def _model_with_weights(seed: int = 3) -> ScoringModel:
    """A model whose every token has a weight of its own (sums of many distinct values, so a
    difference in arithmetic or rounding between Python and SQL would show)."""
    rng = random.Random(seed)
    vocabulary = {
        token for tokens in _sql_tokens(list(Lead.objects.all())).values() for token in tokens
    }
    return ScoringModel.objects.create(
        version=1,
        closed_leads=100,
        converted_leads=40,
        intercept=rng.uniform(-2, 0),
        weights={token: round(rng.uniform(-1.5, 1.5), 6) for token in sorted(vocabulary)},
        calibration_a=-1.37,
        calibration_b=0.21,
        base_rate=0.4,
    )


@override_settings(TIME_ZONE="Europe/Moscow")
def test_sql_rescoring_writes_exactly_the_score_and_factors_intake_computes():
    leads = _varied_leads(300)
    model = _model_with_weights()
    scoring.forget()
    compiled = scoring.compiled(model.pk)
    assert compiled is not None
    # when the database rescores every open lead (set-based: no scores sent from Python)
    with CaptureQueriesContext(connection) as queries:
        assert rescore_open_leads(compiled) == len(leads)
    assert not [q for q in queries.captured_queries if "unnest" in q["sql"]]
    # then each score is what the Python arithmetic (intake's) gives, digit for digit
    rescored = Lead.objects.filter(pk__in=[x.pk for x in leads]).select_related(
        "channel", "campaign", "form"
    )
    distinct = set()
    for lead in rescored:
        python = compiled.score(features.lead_tokens(lead))
        assert lead.score == python, (lead.pk, lead.score, python)
        assert lead.score_model_id == model.pk
        distinct.add(lead.score)
        # and the factors shown with it are the ones intake's score would show
        fresh = Lead(**{f.attname: getattr(lead, f.attname) for f in Lead._meta.concrete_fields})
        fresh.score, fresh.score_model_id = python, model.pk
        assert factor_rows(lead) == factor_rows(fresh)
    assert len(distinct) > 100


def test_sql_rounding_is_python_rounding_at_the_ties():
    """Half to even of ``p * 10000`` on both sides, including the exact ties."""
    values = [0.00005, 0.00015, 0.12345, 0.5, 0.99995, 1.0, 0.0, 0.33333333, 2.5e-5, 7.5e-5]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (round(p * 10000)::numeric / 10000)::numeric(5, 4) FROM unnest(%s::float8[]) p",
            [values],
        )
        from_sql = [row[0] for row in cursor.fetchall()]
    assert from_sql == [scoring.round4(v) for v in values]


def test_sql_rescoring_covers_the_leads_the_orm_means(trained_leads):
    """``sql.rescore``'s WHERE is ``rescored_leads()`` written out: open and not erased."""
    model = scoring.compiled(ScoringModel.objects.get().pk)
    assert model is not None
    Lead.objects.update(score=None, score_model=None)
    assert rescore_open_leads(model) == rescored_leads().count()
    scored = set(Lead.objects.filter(score__isnull=False).values_list("pk", flat=True))
    assert scored == set(rescored_leads().values_list("pk", flat=True))


@pytest.fixture
def trained_leads(db):  # type: ignore[no-untyped-def]
    """Open, closed and erased leads, and a model."""
    from leads.services.privacy import lead_erase

    leads = _varied_leads(40)
    Lead.objects.filter(pk__in=[x.pk for x in leads[:10]]).update(status=Lead.Status.DISQUALIFIED)
    for lead in leads[10:15]:
        lead_erase(lead=lead, by=None, reason="asked")
    _model_with_weights()
    scoring.forget()
    return leads


def test_scores_are_four_decimals():
    assert scoring.round4(0.123456) == Decimal("0.1235")
    assert str(scoring.round4(1.0)) == "1.0000"


@pytest.mark.django_db(transaction=True)
@override_settings(TIME_ZONE="Europe/Moscow")
def test_rescoring_in_two_connections_writes_the_same_scores(monkeypatch):
    """Outside a transaction, slices go to ``WORKERS`` connections at once (each its own
    thread); every open lead gets exactly the score the one-connection path gives."""
    leads = _varied_leads(120)
    model = _model_with_weights()
    scoring.forget()
    compiled = scoring.compiled(model.pk)
    assert compiled is not None
    monkeypatch.setattr(sql, "SLICE", 7)  # about 18 slices over the two connections
    threads = []
    real = sql.ThreadPoolExecutor

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        pool = real(*args, **kwargs)
        threads.append(kwargs.get("max_workers"))
        return pool

    monkeypatch.setattr(sql, "ThreadPoolExecutor", counting)
    assert rescore_open_leads(compiled) == len(leads)
    assert threads == [sql.WORKERS]
    for lead in Lead.objects.filter(pk__in=[x.pk for x in leads]).select_related(
        "channel", "campaign", "form"
    ):
        assert lead.score == compiled.score(features.lead_tokens(lead)), lead.pk
        assert lead.score_model_id == model.pk
