"""Training (scikit-learn), then rescoring of the open leads and flags to marketers.

``train_scoring`` is what the nightly Celery task and ``manage.py train_scoring`` run.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Avg, Count, Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leads.models import Campaign, Lead, ScoringFlag, ScoringModel
from leads.scoring.features import FEATURES, Slugs, input_rows, tokens_of_columns
from leads.scoring.scoring import Compiled, forget

log = logging.getLogger(__name__)

MIN_CLOSED_LEADS = 40  # fewer closed leads than this: no model (docs/api.md, Lead scores)
MIN_TOKEN_COUNT = 3  # a value seen fewer times among the closed leads is not learnt
HOLDOUT_SHARE = 0.2  # the newest fifth of the closed leads tests a model trained on the rest
CALIBRATION_FOLDS = 2  # out-of-fold predictions for the calibration (fit)
MIN_HOLDOUT = 20
REGULARISATION_C = 1.0
RESCORE_BATCH = 10_000
# A campaign is flagged when at least FLAG_MIN_LEADS of its leads of the last FLAG_DAYS are
# scored and their mean is under FLAG_RATIO of the mean over all leads of those days.
FLAG_DAYS = 14
FLAG_MIN_LEADS = 10
FLAG_RATIO = 0.5
LOCK_KEY = 0x7A6D_5C0E  # one training at a time (PostgreSQL advisory lock)


def closed_leads() -> Any:
    """The training set: leads that reached a deal or were disqualified, except duplicates
    (not a judgement on the lead) and erased ones (their contact fields are gone)."""
    return Lead.objects.filter(
        status__in=(Lead.Status.CONVERTED, Lead.Status.DISQUALIFIED), erased_at__isnull=True
    ).exclude(disqualification_reason__code="duplicate")


@dataclass
class TrainResult:
    model: ScoringModel | None
    reason: str = ""  # why nothing was trained
    rescored: int = 0
    flagged: list[ScoringFlag] = field(default_factory=list)


@dataclass
class Encoded:
    """The closed leads one-hot encoded, in arrival order."""

    vocabulary: list[str]
    matrix: Any  # scipy.sparse.csr_matrix, one row per lead
    outcome: np.ndarray  # 1 = converted


def history_check() -> str:
    """Why there is not enough history to train, or "" when there is."""
    counts = closed_leads().aggregate(
        closed=Count("id"), converted=Count("id", filter=Q(status=Lead.Status.CONVERTED))
    )
    closed, converted = counts["closed"], counts["converted"]
    if closed < MIN_CLOSED_LEADS:
        return ngettext(
            "Not enough history: %(closed)d closed lead, at least %(min)d are needed.",
            "Not enough history: %(closed)d closed leads, at least %(min)d are needed.",
            closed,
        ) % {"closed": closed, "min": MIN_CLOSED_LEADS}
    if converted in (0, closed):
        return _(
            "Not enough history: all %(closed)d closed leads have the same outcome; "
            "both converted and disqualified leads are needed."
        ) % {"closed": closed}
    return ""


def encode(leads: Any, *, chunk: int = 100_000) -> Encoded:
    """``leads`` (closed ones) as a sparse one-hot matrix in arrival order, with their
    outcomes; values seen fewer than ``MIN_TOKEN_COUNT`` times are dropped. On PostgreSQL the
    database computes the raw inputs and their codes (``sql.read_codes``); elsewhere the ORM's
    rows are read through a server-side cursor, chunk by chunk."""
    if connection.vendor == "postgresql":
        return _encode_postgresql(leads)
    return _encode_orm(leads, chunk=chunk)


def _encode_postgresql(leads: Any) -> Encoded:
    """Two scans: the distinct values of the free-text inputs (``sql.distinct_texts``), then
    every lead's code per feature by binary ``COPY`` into an int32 array; each possible raw
    value is turned into its token once, in Python (``sql.raw_tokens``)."""
    from leads.scoring import sql

    tokens = sql.raw_tokens(sql.distinct_texts(leads), Slugs.load())
    index: dict[str, int] = {}
    codes = [{raw: index.setdefault(t, len(index)) for raw, t in per.items()} for per in tokens]
    all_codes, outcome = sql.read_codes(leads, codes, order_by=("created_at", "id"))
    return _learnable(all_codes, list(index), outcome)


def _learnable(codes: np.ndarray, tokens: list[str], outcome: np.ndarray) -> Encoded:
    """The one-hot matrix of the tokens seen at least ``MIN_TOKEN_COUNT`` times, in feature
    order then value order (the same vocabulary for the same data, however read)."""
    counts = np.bincount(codes[codes >= 0], minlength=len(tokens))
    kept = sorted((tokens[i] for i in np.flatnonzero(counts >= MIN_TOKEN_COUNT)), key=_token_order)
    remap = np.full(len(tokens) + 1, -1, dtype=np.int32)  # the last one: -1 stays -1
    position = {token: i for i, token in enumerate(tokens)}
    remap[[position[t] for t in kept]] = np.arange(len(kept), dtype=np.int32)
    return Encoded(kept, _one_hot(remap[codes], len(kept)), outcome)


def _token_order(token: str) -> tuple[int, str]:
    feature, _sep, value = token.partition("=")
    return FEATURES.index(feature), value


def _encode_orm(leads: Any, *, chunk: int) -> Encoded:
    """Chunk by chunk, column by column: each feature's value is computed once per distinct
    raw value, and only an int32 code per lead and feature is kept."""
    index: dict[str, int] = {}
    parts: list[np.ndarray] = []
    outcome: list[np.ndarray] = []
    slugs = Slugs.load()
    rows = input_rows(leads.order_by("created_at", "id"), "status").iterator(chunk_size=chunk)
    width = len(FEATURES)
    while batch := list(islice(rows, chunk)):
        _ids, *columns, statuses = zip(*batch, strict=True)
        codes = np.empty((len(batch), width), dtype=np.int32)
        for f, (_feature, column, tokens) in enumerate(tokens_of_columns(columns, slugs)):
            code_of = {raw: index.setdefault(token, len(index)) for raw, token in tokens.items()}
            codes[:, f] = np.fromiter(map(code_of.__getitem__, column), np.int32, len(column))
        parts.append(codes)
        outcome.append(np.fromiter((s == Lead.Status.CONVERTED for s in statuses), np.int8))
        del batch, columns, statuses
    all_codes = np.concatenate(parts) if parts else np.empty((0, width), dtype=np.int32)
    labels = np.concatenate(outcome) if outcome else np.empty(0, dtype=np.int8)
    return _learnable(all_codes, list(index), labels)


def _one_hot(codes: np.ndarray, width: int) -> Any:
    """A CSR matrix with a 1 at each lead's code per feature (-1: the value is not learnt)."""
    from scipy import sparse

    n, features = codes.shape
    flat = codes.ravel()
    known = flat >= 0
    matrix = sparse.csr_matrix(
        (
            known.astype(np.float64),
            np.where(known, flat, 0),
            np.arange(0, n * features + 1, features, dtype=np.int64),
        ),
        shape=(n, width),
    )
    matrix.eliminate_zeros()
    return matrix


def calibration_deciles(predicted: np.ndarray, actual: np.ndarray) -> list[dict[str, Any]]:
    """Predicted vs actual rate per decile of the predictions (lowest first)."""
    order = np.argsort(predicted, kind="stable")
    table = []
    for part in np.array_split(order, 10):
        if len(part) == 0:
            continue
        table.append(
            {
                "predicted": round(float(predicted[part].mean()), 4),
                "actual": round(float(actual[part].mean()), 4),
                "n": len(part),
            }
        )
    return table


def _platt(z: np.ndarray, outcome: np.ndarray) -> tuple[float, float]:
    """Sigmoid calibration of decision values: (a, b) with p = 1 / (1 + exp(a z + b))."""
    from sklearn.linear_model import LogisticRegression

    if len(set(outcome.tolist())) < 2:
        return -1.0, 0.0
    platt = LogisticRegression(C=1e6).fit(z.reshape(-1, 1), outcome)
    return -float(platt.coef_[0][0]), -float(platt.intercept_[0])


@dataclass
class Fitted:
    weights: np.ndarray
    intercept: float
    a: float  # the calibration: p = 1 / (1 + exp(a z + b))
    b: float
    auc: float | None  # on the time-ordered hold-out
    holdout: int
    table: list[dict[str, Any]]  # predicted vs actual per decile of the hold-out's newer half


def _regression(*, warm: bool = False) -> Any:
    from sklearn.linear_model import LogisticRegression

    # Newton steps on one-hot features: a few iterations, each one pass over the rows plus a
    # Hessian as small as the vocabulary (lbfgs needs tens of passes for the same optimum).
    return LogisticRegression(
        C=REGULARISATION_C, solver="newton-cholesky", max_iter=100, warm_start=warm
    )


def fit(encoded: Encoded) -> Fitted:
    """A logistic regression, its sigmoid (Platt) calibration and honest numbers about both:

    1. the hold-out: fitted on the older closed leads, tested on the newest
       ``HOLDOUT_SHARE`` — the AUC, and the calibration table (``a, b`` fitted on the older
       half of the hold-out, tabulated on the newer half: neither the weights nor the
       calibration have seen the leads they are judged on);
    2. the calibration in use: ``a, b`` fitted on out-of-fold decision values of every closed
       lead, ``CALIBRATION_FOLDS`` shuffled folds. Not on the hold-out alone, although that
       would save these fits: the newest closed leads are mostly quick disqualifications (a
       deal takes weeks to close, a rejection days), and a calibration learnt there halved
       every score in the bench's backtest (top decile 0.22 predicted, 0.47 actual);
    3. the weights in use: every closed lead.

    Steps 2 and 3 start from the hold-out fit's weights (``warm_start``), so each takes one or
    two Newton steps instead of four or five. With a hold-out too small or of one outcome
    only, no AUC is claimed; with fewer than ``CALIBRATION_FOLDS`` leads of an outcome, the
    regression's own probabilities are used (``a = -1, b = 0``)."""
    import copy

    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    matrix, outcome = encoded.matrix, encoded.outcome
    n = matrix.shape[0]
    size = int(n * HOLDOUT_SHARE)
    regression = _regression(warm=True)
    a, b, auc, table = -1.0, 0.0, None, []
    train_y, test_y = outcome[: n - size], outcome[n - size :]
    if size >= MIN_HOLDOUT and len(set(train_y.tolist())) == 2 and len(set(test_y.tolist())) == 2:
        regression.fit(matrix[: n - size], train_y)
        z = regression.decision_function(matrix[n - size :])
        auc = round(float(roc_auc_score(test_y, z)), 4)
        half = size // 2
        older_a, older_b = _platt(z[:half], test_y[:half])
        predicted = 1.0 / (1.0 + np.exp(older_a * z[half:] + older_b))
        table = calibration_deciles(predicted, test_y[half:])
    minority = int(min(outcome.sum(), n - outcome.sum()))
    if minority >= CALIBRATION_FOLDS:
        out_of_fold = np.empty(n)
        folds = StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=0)
        for train, test in folds.split(np.zeros(n), outcome):
            fold = copy.deepcopy(regression)  # warm: from the hold-out fit, when there was one
            fold.fit(matrix[train], outcome[train])
            out_of_fold[test] = fold.decision_function(matrix[test])
        a, b = _platt(out_of_fold, outcome)
    regression.fit(matrix, outcome)  # warm: from the hold-out fit's weights when there was one
    return Fitted(
        weights=regression.coef_[0],
        intercept=float(regression.intercept_[0]),
        a=a,
        b=b,
        auc=auc,
        holdout=size if size >= MIN_HOLDOUT else 0,
        table=table,
    )


@contextmanager
def _training_lock() -> Iterator[bool]:
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def train_model(*, now: datetime | None = None) -> TrainResult:
    """Train a new model version from the closed leads, or say why not (nothing is stored)."""
    now = now or timezone.now()
    reason = history_check()
    if reason:
        return TrainResult(None, reason)
    started = time.monotonic()
    encoded = encode(closed_leads())
    fitted = fit(encoded)
    encoded.matrix = None  # the largest thing held: freed before the model is written
    with transaction.atomic():
        version = (ScoringModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        model = ScoringModel.objects.create(
            version=version,
            trained_at=now,
            closed_leads=len(encoded.outcome),
            converted_leads=int(encoded.outcome.sum()),
            auc=fitted.auc,
            holdout_leads=fitted.holdout,
            intercept=round(fitted.intercept, 6),
            weights={
                token: round(float(w), 6)
                for token, w in zip(encoded.vocabulary, fitted.weights, strict=True)
            },
            calibration_a=fitted.a,
            calibration_b=fitted.b,
            base_rate=round(float(encoded.outcome.mean()), 4),
            calibration_table=fitted.table,
            seconds=round(time.monotonic() - started, 2),
        )
    forget()  # this process scores new leads with the new version at once
    return TrainResult(model)


def train_scoring(*, now: datetime | None = None) -> TrainResult:
    """Train, rescore the open leads with the new model and flag poorly scoring campaigns.
    Safe to run twice or overlapping: a second run while one trains does nothing."""
    now = now or timezone.now()
    with _training_lock() as acquired:
        if not acquired:
            return TrainResult(None, _("Another training is running."))
        result = train_model(now=now)
        if result.model is None:
            return result
        compiled = Compiled.of(result.model)
        result.rescored = rescore_open_leads(compiled)
        result.flagged = flag_poor_campaigns(model=result.model, now=now)
        return result


# --- Rescoring ---------------------------------------------------------------------------------


def rescored_leads() -> Any:
    """The leads rescoring scores: open ones whose personal data is not erased (an erased
    lead's e-mail, phone, company and need are blank, and a score computed from the blanks
    would explain it with "no e-mail" and "no company"; its score was cleared on erasure)."""
    return Lead.objects.filter(status__in=Lead.OPEN_STATUSES, erased_at__isnull=True)


def rescore_open_leads(model: Compiled, *, batch: int = RESCORE_BATCH) -> int:
    """Score every open lead with ``model``, without save() or a history row (a score is not
    an edit). On PostgreSQL the database computes the scores, set-based (``sql.rescore``);
    elsewhere leads are read ``batch`` at a time and each batch written by one UPDATE. A lead
    closed meanwhile keeps the score it had. Leads that arrive while this runs are scored at
    intake; those that arrived before this process saw the new model are caught by the last
    step (in id order, as on SQLite)."""
    total = 0
    last = 0
    if connection.vendor == "postgresql":
        from leads.scoring import sql

        last = Lead.objects.aggregate(last=Max("id"))["last"] or 0
        total = sql.rescore(model, rescored_leads(), Lead.OPEN_STATUSES, up_to=last)
    slugs = Slugs.load()
    open_leads = rescored_leads()
    if last:
        open_leads = open_leads.exclude(score_model=model.pk)
    while True:
        rows = list(input_rows(open_leads.filter(pk__gt=last).order_by("pk"))[:batch])
        if not rows:
            return total
        ids, *columns = zip(*rows, strict=True)
        _write_scores(list(ids), model.scores(columns, slugs), model_pk=model.pk)
        total += len(ids)
        last = ids[-1]


def _write_scores(ids: list[int], scores: list[float], *, model_pk: int) -> None:
    table = Lead._meta.db_table
    open_statuses = list(Lead.OPEN_STATUSES)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                # float8 -> numeric keeps the four decimals exactly (15 significant digits)
                f"UPDATE {table} AS l SET score = v.score::numeric(5, 4), "  # noqa: S608
                "score_model_id = %s FROM unnest(%s::bigint[], %s::float8[]) AS v(id, score) "
                # the id range keeps the join to the batch's slice of the primary key
                "WHERE l.id = v.id AND l.id BETWEEN %s AND %s AND l.status = ANY(%s)",
                [model_pk, ids, scores, ids[0], ids[-1], open_statuses],
            )
            return
        # SQLite (development, tests): UPDATE ... FROM (VALUES ...), one statement per batch.
        for start in range(0, len(ids), 2000):
            chunk = list(zip(ids[start : start + 2000], scores[start : start + 2000], strict=True))
            values = ", ".join(["(%s, %s)"] * len(chunk))
            statuses = ", ".join(["%s"] * len(open_statuses))
            cursor.execute(
                f"WITH v(id, score) AS (VALUES {values}) "  # noqa: S608
                f"UPDATE {table} SET score = v.score, score_model_id = %s FROM v "
                f"WHERE {table}.id = v.id AND {table}.status IN ({statuses})",
                [x for pair in chunk for x in (pair[0], repr(pair[1]))]
                + [model_pk, *open_statuses],
            )


# --- Flags to marketers ------------------------------------------------------------------------


def flag_poor_campaigns(*, model: ScoringModel, now: datetime) -> list[ScoringFlag]:
    """Tell each marketer whose campaign's recent leads score under ``FLAG_RATIO`` of the
    average, once per campaign and week: within days of the leads arriving, not months later
    when their deals would have closed."""
    from org.services import notify_many

    since = now - timedelta(days=FLAG_DAYS)
    recent = Lead.objects.filter(created_at__gte=since, score__isnull=False)
    overall = recent.aggregate(mean=Avg("score"))["mean"]
    if not overall:
        return []
    overall = float(overall)
    rows = (
        recent.filter(campaign__isnull=False)
        .values("campaign")
        .annotate(n=Count("id"), mean=Avg("score"))
        .filter(n__gte=FLAG_MIN_LEADS)
        .order_by("campaign")
    )
    poor = {r["campaign"]: r for r in rows if float(r["mean"]) < FLAG_RATIO * overall}
    if not poor:
        return []
    local = timezone.localdate(now)
    week = local - timedelta(days=local.weekday())
    flags: list[ScoringFlag] = []
    messages = []
    campaigns = Campaign.objects.filter(pk__in=poor).select_related("owner").order_by("pk")
    for campaign in campaigns:
        row = poor[campaign.pk]
        with transaction.atomic():
            flag, created = ScoringFlag.objects.get_or_create(
                campaign=campaign,
                week=week,
                defaults={
                    "model": model,
                    "mean_score": round(float(row["mean"]), 4),
                    "overall_mean": round(overall, 4),
                    "leads": row["n"],
                    "marketer": campaign.owner,
                },
            )
        if not created:
            continue
        flags.append(flag)
        if campaign.owner is not None and campaign.owner.is_active:
            # in the language the marketer uses Tandem in
            with translation.override(campaign.owner.preferred_language):
                messages.append(_flag_message(campaign, campaign.owner, row, overall))
    if messages:
        notify_many(messages)
    return flags


def _flag_message(campaign: Campaign, marketer: Any, row: dict[str, Any], overall: float) -> Any:
    from org.services import Message

    return Message(
        [marketer],
        _("Campaign “%(name)s”: its new leads score poorly") % {"name": campaign.name},
        _(
            "%(n)d leads of the last %(days)d days have a mean score of %(mean)s, "
            "against %(overall)s for all new leads. The score estimates each "
            "lead's chance to reach a deal from the company's closed leads."
        )
        % {
            "n": row["n"],
            "days": FLAG_DAYS,
            "mean": f"{float(row['mean']):.0%}",
            "overall": f"{overall:.0%}",
        },
        reverse("kpi:my_campaigns"),
    )
