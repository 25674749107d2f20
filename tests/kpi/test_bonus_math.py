"""The bonus arithmetic: properties for arbitrary inputs and examples worked out by hand."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi import bonus

money = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2)
percent = st.decimals(min_value=0, max_value=100, places=2)
ratio = st.decimals(min_value=0, max_value=Decimal("5"), places=4)
score = st.fractions(min_value=0, max_value=1000, max_denominator=10_000)


@st.composite
def steps(draw: st.DrawFn) -> list[tuple[Decimal, Decimal]]:
    more = draw(st.lists(st.tuples(ratio, ratio), max_size=5, unique_by=lambda s: s[0]))
    result = [(Decimal(0), draw(ratio))] + [s for s in more if s[0] != 0]
    return result


@settings(max_examples=300, deadline=None)
@given(
    revenue=money,
    goal=money,
    pool_percent=percent,
    marketing_share=percent,
    steps=steps(),
    marketers=st.lists(score, min_size=1, max_size=40),
    sellers=st.lists(score, min_size=1, max_size=40),
)
def test_each_department_sums_exactly_to_its_pool(
    revenue: Decimal,
    goal: Decimal,
    pool_percent: Decimal,
    marketing_share: Decimal,
    steps: list[tuple[Decimal, Decimal]],
    marketers: list[Fraction],
    sellers: list[Fraction],
) -> None:
    pools = bonus.pools_for(
        revenue=revenue,
        goal=goal,
        pool_percent=pool_percent,
        marketing_share=marketing_share,
        steps=steps,
    )
    assert pools.pool == pools.marketing_pool + pools.sales_pool
    assert pools.marketing_pool >= 0 and pools.sales_pool >= 0
    for pool, scores in ((pools.marketing_pool, marketers), (pools.sales_pool, sellers)):
        by_user = {user_id: s for user_id, s in enumerate(scores, start=1)}
        lines = bonus.split(pool, by_user)
        assert sum(lines.values(), Decimal(0)) == pool
        assert all(amount >= 0 for amount in lines.values())
        assert all(amount == amount.quantize(Decimal("0.01")) for amount in lines.values())
        # Recomputing, even from the inputs in another order, gives identical lines.
        assert bonus.split(pool, dict(reversed(list(by_user.items())))) == lines


@settings(max_examples=200, deadline=None)
@given(pool=money, scores=st.lists(score, min_size=1, max_size=30))
def test_no_line_is_more_than_a_cent_from_its_exact_share(
    pool: Decimal, scores: list[Fraction]
) -> None:
    by_user = dict(enumerate(scores, start=1))
    lines = bonus.split(pool, by_user)
    total = sum(scores, Fraction(0))
    for user_id, amount in lines.items():
        exact = Fraction(pool) * (by_user[user_id] / total if total else Fraction(1, len(scores)))
        assert abs(Fraction(amount) - exact) < Fraction(1, 100)


def test_worked_example_half_cent_rounds_up() -> None:
    # revenue 100.50 x 5 % = 5.025 -> 5.03 (half-up; bankers' rounding would say 5.02);
    # marketing 30 % of 5.03 = 1.509 -> 1.51; sales 5.03 - 1.51 = 3.52.
    pools = bonus.pools_for(
        revenue=Decimal("100.50"),
        goal=Decimal("0"),
        pool_percent=Decimal("5"),
        marketing_share=Decimal("30"),
        steps=[(Decimal(0), Decimal(1))],
    )
    assert pools.attainment is None
    assert pools.multiplier == Decimal(1)
    assert pools.pool == Decimal("5.03")
    assert pools.marketing_pool == Decimal("1.51")
    assert pools.sales_pool == Decimal("3.52")


def test_worked_example_attainment_exactly_on_a_step() -> None:
    # revenue 80 000 against a goal of 100 000: attainment 0.8000, exactly the second step,
    # so its multiplier 1.2 applies (not 1.0 of the step below, not 1.5 of the step above).
    # pool = 80 000 x 10 % x 1.2 = 9 600.00; marketing 25 % = 2 400.00; sales 7 200.00.
    steps = [
        (Decimal(0), Decimal("1")),
        (Decimal("0.8"), Decimal("1.2")),
        (Decimal(1), Decimal("1.5")),
    ]
    pools = bonus.pools_for(
        revenue=Decimal("80000.00"),
        goal=Decimal("100000.00"),
        pool_percent=Decimal("10"),
        marketing_share=Decimal("25"),
        steps=steps,
    )
    assert pools.attainment == Decimal("0.8000")
    assert pools.multiplier == Decimal("1.2")
    assert (pools.pool, pools.marketing_pool, pools.sales_pool) == (
        Decimal("9600.00"),
        Decimal("2400.00"),
        Decimal("7200.00"),
    )
    # One cent below the step stays on the step below.
    below = bonus.pools_for(
        revenue=Decimal("79999.99"),
        goal=Decimal("100000.00"),
        pool_percent=Decimal("10"),
        marketing_share=Decimal("25"),
        steps=steps,
    )
    assert below.attainment == Decimal("0.8000")  # rounded half-up to 4 places: still 0.8000
    assert below.multiplier == Decimal("1.2")
    below2 = bonus.pools_for(
        revenue=Decimal("79994.99"),
        goal=Decimal("100000.00"),
        pool_percent=Decimal("10"),
        marketing_share=Decimal("25"),
        steps=steps,
    )
    assert below2.attainment == Decimal("0.7999")
    assert below2.multiplier == Decimal("1")


def test_worked_example_largest_remainder() -> None:
    # 10.00 among three equal scores: 3.333... each; floors 3.33 x 3 = 9.99, one cent left,
    # all remainders equal (0.333... cent) -> the lowest user id gets it.
    assert bonus.split(Decimal("10.00"), {7: Fraction(1), 3: Fraction(1), 5: Fraction(1)}) == {
        3: Decimal("3.34"),
        5: Decimal("3.33"),
        7: Decimal("3.33"),
    }
    # 1.00 by scores 1 : 2 : 3 -> 0.1666..., 0.3333..., 0.5 -> floors 0.16, 0.33, 0.50 (0.99);
    # the largest remainder (0.666... cent, user 1) takes the last cent.
    assert bonus.split(Decimal("1.00"), {1: Fraction(1), 2: Fraction(2), 3: Fraction(3)}) == {
        1: Decimal("0.17"),
        2: Decimal("0.33"),
        3: Decimal("0.50"),
    }


def test_all_zero_scores_split_equally() -> None:
    assert bonus.split(Decimal("0.05"), {1: Fraction(0), 2: Fraction(0)}) == {
        1: Decimal("0.03"),
        2: Decimal("0.02"),
    }


def test_negative_input_is_refused() -> None:
    with pytest.raises(ValueError):
        bonus.split(Decimal("-1"), {1: Fraction(1)})
    with pytest.raises(ValueError):
        bonus.split(Decimal("1"), {1: Fraction(-1)})


def test_multiplier_without_attainment_is_the_zero_step() -> None:
    steps = [(Decimal(0), Decimal("0.5")), (Decimal("0.1"), Decimal("2"))]
    assert bonus.multiplier_for(attainment=None, steps=steps) == Decimal("0.5")
