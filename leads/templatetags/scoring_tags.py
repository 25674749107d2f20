"""A lead's score on the pages: a badge (queue, lists) and its factors in words."""

from typing import Any

from django import template

from leads.scoring.scoring import compiled
from leads.scoring.words import factor_rows

register = template.Library()

# Relative to the share of closed leads that converted: a lead scoring 1.5 times that is a
# likely buyer, half of it an unlikely one.
HIGH = 1.5
LOW = 0.5


def score_level(score: float, base_rate: float) -> str:
    if score >= HIGH * base_rate:
        return "high"
    if score <= LOW * base_rate:
        return "low"
    return "mid"


@register.inclusion_tag("leads/_score_badge.html")
def score_badge(lead: Any) -> dict[str, Any]:
    """The score as a percentage, coloured by how it compares with the usual rate, with the
    strongest factors in its tooltip and the first one beside it."""
    if lead.score is None:
        return {"score": None}
    model = compiled(lead.score_model_id)
    factors = factor_rows(lead)
    score = float(lead.score)
    return {
        "score": score,
        "percent": round(score * 100),
        "level": score_level(score, model.base_rate) if model else "mid",
        "factors": factors,
        "top": factors[0] if factors else None,
    }
