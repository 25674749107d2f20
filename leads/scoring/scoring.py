"""Scores and factors from a stored model: plain arithmetic, no scikit-learn at request time.

A ``Compiled`` model is the stored row turned into a dict lookup; one per process and version
(``current_model``: one indexed query per call to learn the newest version, the weights are
read only when it changed).
"""

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from leads.models import ScoringModel

# Factors shown with a score: the strongest few, and only those that move it noticeably
# (in log-odds; 0.05 is about one percentage point around a 30% chance).
MAX_FACTORS = 4
MIN_EFFECT = 0.05
CLAMP = 700.0  # |a z + b| at most this: exp() stays finite (leads.scoring.sql.CLAMP)


def round4(p: float) -> Decimal:
    """A probability as stored: four decimals, half to even of ``p * 10000`` (as ``rint``
    rounds in PostgreSQL's rescoring; Python's ``round`` of a float is the same)."""
    return Decimal(round(p * 10000)).scaleb(-4)


@dataclass(frozen=True)
class Compiled:
    pk: int
    version: int
    intercept: float
    weights: dict[str, float]
    a: float
    b: float
    base_rate: float

    @classmethod
    def of(cls, model: ScoringModel) -> "Compiled":
        return cls(
            pk=model.pk,
            version=model.version,
            intercept=model.intercept,
            weights={k: float(v) for k, v in model.weights.items()},
            a=model.calibration_a,
            b=model.calibration_b,
            base_rate=model.base_rate,
        )

    def probability(self, tokens: Sequence[str]) -> float:
        weights = self.weights
        z = self.intercept
        for token in tokens:  # in FEATURES order, as ``scores`` adds them
            z += weights.get(token, 0.0)
        return self._calibrated(z)

    def _calibrated(self, z: float) -> float:
        # Clamped, so exp() stays finite whatever the weights (no rounded score changes);
        # the SQL of rescoring (``sql.score_expression``) is this, operation for operation.
        t = max(-CLAMP, min(CLAMP, self.a * z + self.b))
        return 1.0 / (1.0 + math.exp(t))

    def score(self, tokens: Sequence[str]) -> Decimal:
        """The stored form: four decimals, so report sums are exact."""
        return round4(self.probability(tokens))

    def scores(self, columns: Sequence[Sequence[Any]], slugs: Any) -> list[float]:
        """The rounded scores of many leads from their raw input columns (``input_rows``):
        each feature's weight looked up once per distinct value, the sums in the same order
        as ``probability``, so a lead gets the same score either way."""
        import numpy as np

        from leads.scoring.features import tokens_of_columns

        weights = self.weights
        n = len(columns[0]) if columns else 0
        z = np.full(n, self.intercept, dtype=np.float64)
        for _feature, column, tokens in tokens_of_columns(columns, slugs):
            weight_of = {raw: weights.get(token, 0.0) for raw, token in tokens.items()}
            z = z + np.fromiter(map(weight_of.__getitem__, column), np.float64, n)
        calibrated = self._calibrated
        return [float(round4(calibrated(value))) for value in z.tolist()]

    def effects(self, tokens: Sequence[str]) -> list[tuple[str, float]]:
        """Each known token's effect on the calibrated log-odds, strongest first (ties in
        token order, so the same lead always explains itself the same way)."""
        found = [(t, -self.a * self.weights[t]) for t in tokens if t in self.weights]
        found.sort(key=lambda item: -abs(item[1]))
        return found

    def factors(self, tokens: Sequence[str]) -> list[tuple[str, float]]:
        return [(t, e) for t, e in self.effects(tokens) if abs(e) >= MIN_EFFECT][:MAX_FACTORS]


_cache: dict[int, Compiled] = {}


def compiled(pk: int | None) -> Compiled | None:
    """The model ``pk`` (e.g. the one a lead was scored with), loaded once per process."""
    if pk is None:
        return None
    if pk not in _cache:
        model = ScoringModel.objects.filter(pk=pk).first()
        if model is None:
            return None
        _cache[pk] = Compiled.of(model)
    return _cache[pk]


# Intake asks which model is newest at most once per CURRENT_TTL seconds per process, so a
# lead's score costs arithmetic only. A process may score for a few seconds more with the
# previous version after a training; the lead records which version scored it.
CURRENT_TTL = 5.0
_current: list[Any] = [0.0, None]  # [checked at (monotonic), newest model id]


def current_model() -> Compiled | None:
    """The newest model, or None while none is trained."""
    now = time.monotonic()
    if now - _current[0] > CURRENT_TTL:
        pk = ScoringModel.objects.order_by("-version").values_list("pk", flat=True).first()
        _current[:] = [now, pk]
    return compiled(_current[1])


def forget() -> None:
    """Drop what this process knows of the models (after a training, in tests)."""
    _cache.clear()
    _current[:] = [0.0, None]


def latest_model() -> ScoringModel | None:
    return ScoringModel.objects.order_by("-version").first()


def lead_factors(lead: Any) -> list[tuple[str, float]]:
    """The strongest factors of ``lead``'s score, from the model that scored it."""
    from leads.scoring.features import lead_tokens

    if lead.score is None:
        return []
    model = compiled(lead.score_model_id)
    if model is None:
        return []
    return model.factors(lead_tokens(lead))


def score_new_leads(leads: Sequence[Any]) -> None:
    """Score leads at intake (unsaved), with the newest model: one indexed query for its
    version, then arithmetic (``Compiled.score``)."""
    from leads.scoring.features import lead_tokens, zone

    if not leads:
        return
    model = current_model()
    if model is None:
        return
    tz = zone()
    for lead in leads:
        lead.score = model.score(lead_tokens(lead, tz=tz))
        lead.score_model_id = model.pk
