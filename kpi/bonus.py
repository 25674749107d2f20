"""The bonus arithmetic, with no database: pools, multipliers, scores and the exact split.

Everything is exact: money is ``Decimal``; scores and shares are ``Fraction`` (rationals), so
no float ever decides a cent and the same inputs always give the same lines.

- ``attainment`` = revenue / goal, half-up to 4 places; ``None`` when the goal is 0.
- ``multiplier``: the step with the greatest attainment not above the period's attainment;
  the attainment-0 step when attainment is ``None``. A period exactly on a step gets that step.
- ``pool`` = revenue x pool_percent / 100 x multiplier, half-up to 0.01;
  ``marketing_pool`` = pool x marketing_share / 100, half-up to 0.01;
  ``sales_pool`` = pool - marketing_pool.
- A department's pool is divided in proportion to its members' scores (all equal when every
  score is 0) by the largest-remainder rule: each line first gets its exact share rounded
  *down* to the cent; the cents left over (fewer than the number of lines) go one each to
  the lines with the largest cut-off remainders, ties to the lower user id. So the lines sum
  exactly to the pool, none is negative, and the order of the input does not matter.

Scores (the project's rule, shown in every line's breakdown):

- Sales: ``score = w_revenue x revenue / team revenue + w_sla x sla_met_rate
  + w_hygiene x crm_hygiene + w_communication x communication / 100
  + w_objections x objections / 100``; a measure with no data (null) counts 0.
- Marketing: ``score = w_team / marketers + w_deals x deals / team deals`` where ``deals``
  are the marketer's counted leads (upheld disputes left out) that reached a deal; with no
  deals in the team the second part is split equally too.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")
HUNDRED = Decimal(100)


def money(value: Decimal | Fraction | int) -> Decimal:
    """Half-up to the cent (0.005 -> 0.01), exact for Fractions too."""
    if isinstance(value, Fraction):
        return _fraction_to_decimal(value, CENT, ROUND_HALF_UP)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(value: Fraction | Decimal) -> Decimal:
    """Half-up to 4 decimal places."""
    if isinstance(value, Decimal):
        return value.quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)
    return _fraction_to_decimal(value, RATIO_PLACES, ROUND_HALF_UP)


def _fraction_to_decimal(value: Fraction, quantum: Decimal, rounding: str) -> Decimal:
    # Scale to an integer count of quanta exactly, then round that integer once.
    scale = 1 / Fraction(quantum)
    scaled = value * scale
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    # Half-up away from zero; values here are never negative.
    if rounding == ROUND_HALF_UP and 2 * rest >= scaled.denominator:
        whole += 1
    return (Decimal(whole) * quantum).quantize(quantum)


def attainment_of(*, revenue: Decimal, goal: Decimal) -> Decimal | None:
    if goal == 0:
        return None
    return ratio(Fraction(revenue) / Fraction(goal))


def multiplier_for(
    *, attainment: Decimal | None, steps: Sequence[tuple[Decimal, Decimal]]
) -> Decimal:
    """``steps`` are (attainment, multiplier) pairs; one of them is at attainment 0."""
    reached = Decimal(0) if attainment is None else attainment
    eligible = [step for step in steps if step[0] <= reached]
    if not eligible:  # a period without an attainment-0 step is refused earlier
        return Decimal(1)
    return max(eligible)[1]


@dataclass(frozen=True)
class Pools:
    revenue: Decimal
    attainment: Decimal | None
    multiplier: Decimal
    pool: Decimal
    marketing_pool: Decimal
    sales_pool: Decimal


def pools_for(
    *,
    revenue: Decimal,
    goal: Decimal,
    pool_percent: Decimal,
    marketing_share: Decimal,
    steps: Sequence[tuple[Decimal, Decimal]],
) -> Pools:
    attainment = attainment_of(revenue=revenue, goal=goal)
    multiplier = multiplier_for(attainment=attainment, steps=steps)
    pool = money(Fraction(revenue) * Fraction(pool_percent) / 100 * Fraction(multiplier))
    marketing_pool = money(Fraction(pool) * Fraction(marketing_share) / 100)
    return Pools(
        revenue=revenue,
        attainment=attainment,
        multiplier=multiplier,
        pool=pool,
        marketing_pool=marketing_pool,
        sales_pool=pool - marketing_pool,
    )


def split(pool: Decimal, scores: Mapping[int, Fraction]) -> dict[int, Decimal]:
    """Divide ``pool`` (cents, not negative) among user ids by score, exactly; see above."""
    if not scores:
        return {}
    if pool < 0 or any(score < 0 for score in scores.values()):
        raise ValueError("pool and scores must not be negative")
    total = sum(scores.values(), Fraction(0))
    weights = scores if total > 0 else {user: Fraction(1) for user in scores}
    total = sum(weights.values(), Fraction(0))
    cents = int((pool / CENT).to_integral_value(rounding=ROUND_DOWN))
    floors: dict[int, int] = {}
    remainders: list[tuple[Fraction, int]] = []
    for user in sorted(weights):
        exact = cents * weights[user] / total
        floor = exact.numerator // exact.denominator
        floors[user] = floor
        remainders.append((exact - floor, user))
    left = cents - sum(floors.values())
    # Largest remainder first; on a tie the lower user id wins (sorted on -remainder, id).
    for _remainder, user in sorted(remainders, key=lambda item: (-item[0], item[1]))[:left]:
        floors[user] += 1
    return {user: Decimal(floors[user]) * CENT for user in sorted(floors)}


def fraction_or_zero(value: Decimal | Fraction | int | None) -> Fraction:
    return Fraction(0) if value is None else Fraction(value)


def as_text(value: Fraction | Decimal | None, places: int = 4) -> str | None:
    """A readable decimal string for the breakdown (half-up to ``places``)."""
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    if isinstance(value, Decimal):
        return str(value.quantize(quantum, rounding=ROUND_HALF_UP))
    return str(_fraction_to_decimal(value, quantum, ROUND_HALF_UP))
