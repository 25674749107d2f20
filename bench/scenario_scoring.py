"""Lead scoring at scale, and a backtest that says whether the scores mean anything (issue 15).

The data set (seeded once by PostgreSQL itself with ``INSERT ... SELECT generate_series`` and
reused while it is intact): ``--leads`` closed leads (default 1,000,000) that arrived over 19
months, and as many open leads that arrived in the last month. Each lead's outcome is drawn
from a known logistic model of its arrival-time features — channel, campaign (each with its
own quality), free vs corporate e-mail, company given, length of the stated need, segment,
night arrivals, weekends — while the region carries no signal. Converted leads close 20-120
days after they arrive (a deal takes time), disqualified ones within 1-21 days: what
marketing would see of actual outcomes arrives late and skewed, as in life.

Measured:
- training (``leads.scoring.training.train_model``, the service the command and the nightly
  task run) on every closed lead: wall time and the process' peak RSS;
- rescoring every open lead (``rescore_open_leads``: computed by PostgreSQL, set-based);
- scoring one lead at intake: the arithmetic per lead, and the query for the model in use;
- the backtest, with the same code (``encode``, ``fit``, ``Compiled``): train on the leads
  closed by a cutoff date, score the leads that arrived in the four weeks after it, and
  compare with what became of them: AUC, predicted vs actual rate per decile, and how many
  weeks after that cohort arrived the campaign ranking by actual deals so far became as
  right (Spearman against the final ranking) as the ranking by mean score was on day one.
"""

import argparse
import math
import resource
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from bench import CheckFailed, Row, data
from leads.models import Campaign, Channel, DisqualificationReason, Lead, WebForm

NAME = "scoring"
CHANNELS = 8
CAMPAIGNS_PER_CHANNEL = 5
CLOSED_FROM = datetime(2024, 1, 1, tzinfo=UTC)
CLOSED_SPAN = timedelta(days=578)  # to 2025-08-01: every outcome is known by OPEN_FROM
OPEN_FROM = datetime(2025, 12, 1, tzinfo=UTC)
OPEN_SPAN = timedelta(days=31)
CUTOFF = datetime(2025, 3, 3, tzinfo=UTC)  # the backtest's "today" (a Monday)
COHORT = timedelta(weeks=4)
HORIZONS = (0, 1, 2, 4, 6, 8, 12, 16, 20)  # weeks after the cohort arrived

# The true model outcomes are drawn from (log-odds).
BASE = -1.7
CHANNEL_EFFECT = [0.9, 0.5, 0.2, 0.0, -0.2, -0.5, -0.8, -1.1]
FREE_MAIL, COMPANY, NIGHT, WEEKEND, NO_CAMPAIGN = -0.6, 0.5, -0.3, -0.2, -0.2
NEED_EFFECT = [-0.7, -0.2, 0.2, 0.5]  # none, short, medium, long
SEGMENT_EFFECT = [0.0, 0.1, 0.4, -0.3]  # smb, mid-market, enterprise, none


def campaign_effect(k: int) -> float:
    """Each campaign's own quality, spread over -1 .. +1."""
    return ((k * 37) % 21 - 10) / 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("scoring scenario")
    group.add_argument(
        "--scoring-open", type=int, help="scoring: open leads to rescore (default: --leads)"
    )


def run(args: argparse.Namespace) -> list[Row]:
    closed = args.leads or 1_000_000
    open_ = getattr(args, "scoring_open", None) or closed
    print(f"  {closed:,} closed leads, {open_:,} open leads")
    ensure_dataset(closed, open_)
    rows = [_train(closed), _rescore(open_), _intake()]
    rows += _backtest()
    return rows


# --- The data set --------------------------------------------------------------------------------


def _reference() -> dict[str, Any]:
    channels, campaigns, effects, forms = [], [], [], []
    for i in range(CHANNELS):
        channel, _ = Channel.objects.get_or_create(
            slug=f"bench-sc-ch-{i}", defaults={"name": f"Scoring channel {i}"}
        )
        channels.append(channel.pk)
        form, _ = WebForm.objects.get_or_create(
            slug=f"bench-sc-form-{i}", defaults={"name": f"Scoring form {i}", "channel": channel}
        )
        forms.append(form.pk)
    for k in range(CHANNELS * CAMPAIGNS_PER_CHANNEL):
        campaign, _ = Campaign.objects.get_or_create(
            slug=f"bench-sc-cmp-{k:02d}",
            defaults={"name": f"Scoring campaign {k:02d}", "channel_id": channels[k % CHANNELS]},
        )
        campaigns.append(campaign.pk)
        effects.append(campaign_effect(k))
    reason = DisqualificationReason.objects.get(code="not_target").pk
    return {
        "channels": channels,
        "campaigns": campaigns,
        "forms": forms,
        "campaign_effects": effects,
        "reason": reason,
    }


def _counts() -> tuple[int, int, int]:
    total, ours, open_ = data.sql(
        "SELECT count(*), count(*) FILTER (WHERE name LIKE 'Scoring lead %%'),"
        " count(*) FILTER (WHERE status IN ('new', 'assigned', 'contacted', 'qualified'))"
        " FROM leads_lead"
    )[0]
    return total, ours, open_


def ensure_dataset(closed: int, open_: int) -> None:
    if _counts() == (closed + open_, closed + open_, open_):
        print("  reusing the scoring data set")
        return
    print(f"  seeding {closed + open_:,} leads (INSERT ... SELECT generate_series) ...")
    started = time.perf_counter()
    seed(closed, open_)
    print(f"  seeded in {time.perf_counter() - started:.1f} s; vacuuming ...")
    data.vacuum("leads_lead")
    if _counts() != (closed + open_, closed + open_, open_):
        raise CheckFailed("the seeded data set does not have the asked size")


def _uniform(j: int) -> str:
    """A pseudo-random number in [0, 1) per lead ``g`` and draw ``j`` (a hash, reproducible)."""
    return f"((hashint8(g::bigint * 16 + {j}) & 2147483647) / 2147483648.0)"


def seed(closed: int, open_: int) -> None:
    """Replace every lead with the scoring data set: rows 0 .. closed-1 are closed, the
    rest open."""
    from django.db import transaction

    ref = _reference()
    with transaction.atomic():
        data.sql(
            "TRUNCATE leads_lead, leads_leadrequest, leads_historicallead, leads_scoringflag,"
            " leads_scoringmodel CASCADE"
        )
        # Arrival-time features first, then the outcome from the true model, then when (and
        # whether) the lead closed.
        features = f"""
            SELECT g, g < %(closed)s AS is_closed,
                   CASE WHEN g < %(closed)s
                        THEN %(closed_from)s::timestamptz
                             + (g::float8 / %(closed)s) * %(closed_span)s::interval
                        ELSE %(open_from)s::timestamptz
                             + ((g - %(closed)s)::float8 / %(open)s) * %(open_span)s::interval
                   END AS created,
                   floor({_uniform(1)} * {CHANNELS})::int AS ch,
                   CASE WHEN {_uniform(2)} < 0.2 THEN NULL
                        ELSE floor({_uniform(3)} * {CAMPAIGNS_PER_CHANNEL})::int END AS k,
                   {_uniform(4)} < 0.3 AS free,
                   {_uniform(5)} < 0.6 AS company,
                   floor({_uniform(6)} * 4)::int AS need,
                   floor({_uniform(7)} * 4)::int AS seg,
                   floor({_uniform(8)} * 5)::int AS reg,
                   {_uniform(9)} < 0.5 AS phone,
                   {_uniform(10)} < 0.3 AS via_form,
                   {_uniform(11)} AS u_outcome,
                   {_uniform(12)} AS u_delay
            FROM generate_series(0, %(closed)s + %(open)s - 1) AS g
        """
        logit = f"""
            {BASE}
            + (%(channel_effects)s::float8[])[1 + ch]
            + COALESCE((%(campaign_effects)s::float8[])[1 + ch + {CHANNELS} * k], {NO_CAMPAIGN})
            + CASE WHEN free THEN {FREE_MAIL} ELSE 0 END
            + CASE WHEN company THEN {COMPANY} ELSE 0 END
            + (%(need_effects)s::float8[])[1 + need]
            + (%(segment_effects)s::float8[])[1 + seg]
            + CASE WHEN extract(hour FROM created AT TIME ZONE 'UTC') < 7 THEN {NIGHT} ELSE 0 END
            + CASE WHEN extract(isodow FROM created AT TIME ZONE 'UTC') >= 6
                   THEN {WEEKEND} ELSE 0 END
        """
        source = f"""
            (SELECT f.*, u_outcome < 1 / (1 + exp(-({logit}))) AS converted
             FROM ({features}) AS f) AS s
        """
        closes = (
            "created + CASE WHEN converted THEN interval '20 days' + u_delay * interval '100 days'"
            " ELSE interval '1 day' + u_delay * interval '20 days' END"
        )
        data.insert_select(
            Lead,
            source=source,
            columns={
                "name": "'Scoring lead ' || g",
                "email": "CASE WHEN free THEN 'u' || g || '@gmail.com'"
                " ELSE 'u' || g || '@c' || (g %% 5000) || '.scoring.bench.example' END",
                "phone": "CASE WHEN phone THEN '+7900' || lpad(g::text, 8, '0') ELSE '' END",
                "company": "CASE WHEN company THEN 'Company ' || (g %% 9000) ELSE '' END",
                "need": "(ARRAY['', 'A price, please', repeat('We need a CRM. ', 8),"
                " repeat('Forty salespeople, two offices, 1C integration. ', 8)])[1 + need]",
                "segment": "(ARRAY['smb', 'mid-market', 'enterprise', ''])[1 + seg]",
                "region": "(ARRAY['moscow', 'spb', 'ural', 'siberia', 'south'])[1 + reg]",
                "channel": "(%(channels)s::bigint[])[1 + ch]",
                "campaign": f"(%(campaigns)s::bigint[])[1 + ch + {CHANNELS} * k]",
                "form": "CASE WHEN via_form THEN (%(forms)s::bigint[])[1 + ch] END",
                "utm_source": "'src-' || ch",
                "utm_medium": "CASE WHEN ch %% 2 = 0 THEN 'cpc' ELSE '' END",
                "source": "'api'",
                "status": "CASE WHEN NOT is_closed THEN 'new' WHEN converted THEN 'converted'"
                " ELSE 'disqualified' END",
                "created_at": "created",
                "updated_at": "created",
                "queue_entered_at": "created",
                "queue_entry": "1",
                "sla_deadline": "CASE WHEN NOT is_closed THEN created + interval '5 minutes' END",
                "sla_minutes": "5",
                "sla_breached": "NOT is_closed",
                "disqualification_reason": "CASE WHEN is_closed AND NOT converted"
                " THEN %(reason)s::bigint END",
                "closed_at": f"CASE WHEN is_closed THEN {closes} END",
                "first_touch_at": "CASE WHEN is_closed THEN created + interval '1 hour' END",
            },
            params={
                "closed": closed,
                "open": open_,
                "closed_from": CLOSED_FROM,
                "closed_span": CLOSED_SPAN,
                "open_from": OPEN_FROM,
                "open_span": OPEN_SPAN,
                "channels": ref["channels"],
                "campaigns": ref["campaigns"],
                "forms": ref["forms"],
                "reason": ref["reason"],
                "channel_effects": CHANNEL_EFFECT,
                "campaign_effects": ref["campaign_effects"],
                "need_effects": NEED_EFFECT,
                "segment_effects": SEGMENT_EFFECT,
            },
        )


# --- Training, rescoring, intake -----------------------------------------------------------------


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _train(closed: int) -> Row:
    from leads.scoring.training import train_model

    before = _peak_rss_mib()
    started = time.perf_counter()
    result = train_model()
    seconds = time.perf_counter() - started
    model = result.model
    if model is None:
        raise CheckFailed(f"no model trained: {result.reason}")
    if model.closed_leads != closed:
        raise CheckFailed(f"trained on {model.closed_leads:,} leads, expected {closed:,}")
    return {
        "step": f"train on {closed:,} closed leads",
        "seconds": round(seconds, 1),
        "peak RSS MiB": round(_peak_rss_mib()),
        "RSS before MiB": round(before),
        "target": "≤ 60 s, ≤ 1024 MiB",
        "note": f"v{model.version}, {len(model.weights)} feature values, "
        f"hold-out AUC {model.auc} on the newest {model.holdout_leads:,}",
    }


def _rescore(open_: int) -> Row:
    from leads.scoring import sql
    from leads.scoring.scoring import current_model
    from leads.scoring.training import rescore_open_leads

    model = current_model()
    assert model is not None
    started = time.perf_counter()
    rescored = rescore_open_leads(model)
    seconds = time.perf_counter() - started
    unscored = data.scalar(
        "SELECT count(*) FROM leads_lead WHERE status = 'new' AND"
        " (score IS NULL OR score_model_id <> %s)",
        [model.pk],
    )
    if rescored != open_ or unscored:
        raise CheckFailed(f"rescored {rescored:,} of {open_:,}; {unscored:,} left unscored")
    return {
        "step": f"rescore {open_:,} open leads",
        "seconds": round(seconds, 1),
        "peak RSS MiB": round(_peak_rss_mib()),
        "target": "≤ 30 s",
        "note": f"set-based in PostgreSQL: {sql.PASSES} UPDATE statements per slice of "
        f"{sql.SLICE:,} ids, {math.ceil(open_ / sql.SLICE) * sql.PASSES} in all",
    }


def _intake() -> Row:
    """What scoring adds to one intake: the query for the model in use and the arithmetic."""
    from leads.scoring import scoring
    from leads.scoring.features import lead_tokens, zone

    leads = list(
        Lead.objects.filter(status="new").select_related("channel", "campaign", "form")[:2000]
    )
    tz = zone()
    queries = []
    for _ in range(200):
        scoring.forget()  # the lookup a process makes at most once per CURRENT_TTL seconds
        started = time.perf_counter()
        model = scoring.current_model()
        queries.append(time.perf_counter() - started)
    assert model is not None
    started = time.perf_counter()
    for lead in leads:
        model.score(lead_tokens(lead, tz=tz))
    per_lead = (time.perf_counter() - started) / len(leads)
    return {
        "step": "score one lead at intake",
        "seconds": round(per_lead, 6),
        "target": "≤ 0.001 s",
        "note": f"features and arithmetic per lead; plus, at most once per "
        f"{scoring.CURRENT_TTL:.0f} s per process, the newest model's id and (once per version) "
        f"its weights: {np.median(queries) * 1000:.2f} ms median",
    }


# --- The backtest ---------------------------------------------------------------------------------


def _spearman(a: list[float], b: list[float]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


def _backtest() -> list[Row]:
    from sklearn.metrics import roc_auc_score

    from leads.scoring.features import Slugs, input_rows
    from leads.scoring.scoring import Compiled
    from leads.scoring.training import calibration_deciles, closed_leads, encode, fit

    # Train on what was known at the cutoff: the leads closed by then.
    started = time.perf_counter()
    known = encode(closed_leads().filter(closed_at__lt=CUTOFF))
    fitted = fit(known)
    model = Compiled(
        pk=0,
        version=0,
        intercept=fitted.intercept,
        weights=dict(zip(known.vocabulary, map(float, fitted.weights), strict=True)),
        a=fitted.a,
        b=fitted.b,
        base_rate=float(known.outcome.mean()),
    )
    train_seconds = time.perf_counter() - started
    # Score the leads that arrived in the following four weeks, as intake would have.
    cohort = closed_leads().filter(created_at__gte=CUTOFF, created_at__lt=CUTOFF + COHORT)
    rows = list(input_rows(cohort.order_by("pk"), "status", "closed_at"))
    columns = list(zip(*(r[1:-2] for r in rows), strict=True))
    predicted = np.array(model.scores(columns, Slugs.load()))
    actual = np.array([1 if r[-2] == "converted" else 0 for r in rows])
    closed_at = [r[-1] for r in rows]
    campaign_of = [r[2] for r in rows]  # campaign_id
    auc = float(roc_auc_score(actual, predicted))
    result: list[Row] = [
        {
            "step": f"backtest: train on {len(known.outcome):,} leads closed by {CUTOFF:%Y-%m-%d}",
            "seconds": round(train_seconds, 1),
            "note": f"test: the {len(rows):,} leads that arrived in the next 4 weeks; "
            f"AUC {auc:.3f}",
        }
    ]
    for i, decile in enumerate(calibration_deciles(predicted, actual), start=1):
        result.append(
            {
                "step": f"backtest decile {i}",
                "predicted": decile["predicted"],
                "actual": decile["actual"],
                "n": decile["n"],
            }
        )
    result += _ranking(predicted, actual, closed_at, campaign_of)
    return result


def _ranking(
    predicted: np.ndarray, actual: np.ndarray, closed_at: list[datetime], campaign_of: list[Any]
) -> list[Row]:
    """Campaigns ranked by the cohort's mean score (known the day the cohort arrived) vs by
    its actual deals so far, k weeks later, each against the final ranking."""
    keys = sorted({c for c in campaign_of if c is not None})
    index = {c: i for i, c in enumerate(keys)}
    members = np.array([index.get(c, -1) for c in campaign_of])
    size = np.bincount(members[members >= 0], minlength=len(keys)).astype(float)

    def per_campaign(values: np.ndarray) -> list[float]:
        mask = members >= 0
        sums = np.bincount(members[mask], weights=values[mask], minlength=len(keys))
        return list(sums / np.maximum(size, 1))

    final = per_campaign(actual.astype(float))
    by_score = _spearman(per_campaign(predicted), final)
    arrived = CUTOFF + COHORT
    rows: list[Row] = [
        {
            "step": "campaign ranking by mean score, the day the cohort arrived",
            "spearman": round(by_score, 3),
            "note": f"{len(keys)} campaigns; against the ranking by their final conversion",
        }
    ]
    caught_up = None
    for weeks in HORIZONS:
        seen = arrived + timedelta(weeks=weeks)
        deals_so_far = np.array(
            [1.0 if won and at < seen else 0.0 for won, at in zip(actual, closed_at, strict=True)]
        )
        rho = _spearman(per_campaign(deals_so_far), final)
        if caught_up is None and rho >= by_score:
            caught_up = weeks
        rows.append(
            {
                "step": f"campaign ranking by actual deals, {weeks} weeks later",
                "spearman": round(rho, 3) if not math.isnan(rho) else None,
                "share closed": round(float(np.mean([at < seen for at in closed_at])), 3),
            }
        )
    rows.append(
        {
            "step": "scores ahead of actual outcomes by",
            "note": f"{caught_up} weeks"
            if caught_up is not None
            else f"more than {HORIZONS[-1]} weeks",
        }
    )
    return rows
