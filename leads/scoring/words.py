"""Factors in words ("channel Exhibitions", "free e-mail domain"), translated."""

from typing import Any

from django.utils.translation import gettext as _

WEEKDAYS = {
    "1": lambda: _("arrived on a Monday"),
    "2": lambda: _("arrived on a Tuesday"),
    "3": lambda: _("arrived on a Wednesday"),
    "4": lambda: _("arrived on a Thursday"),
    "5": lambda: _("arrived on a Friday"),
    "6": lambda: _("arrived on a Saturday"),
    "7": lambda: _("arrived on a Sunday"),
}


def _fixed(feature: str, value: str) -> str | None:
    texts = {
        ("contacts", "both"): lambda: _("e-mail and phone given"),
        ("contacts", "email"): lambda: _("only an e-mail given"),
        ("contacts", "phone"): lambda: _("only a phone given"),
        ("email_domain", "free"): lambda: _("free e-mail domain"),
        ("email_domain", "corporate"): lambda: _("corporate e-mail domain"),
        ("email_domain", "none"): lambda: _("no e-mail"),
        ("company", "given"): lambda: _("company given"),
        ("company", "none"): lambda: _("no company given"),
        ("need", "none"): lambda: _("no need stated"),
        ("need", "short"): lambda: _("need stated briefly"),
        ("need", "medium"): lambda: _("need stated in a few sentences"),
        ("need", "long"): lambda: _("need stated in detail"),
        ("hour", "night"): lambda: _("arrived at night"),
        ("hour", "morning"): lambda: _("arrived in the morning"),
        ("hour", "afternoon"): lambda: _("arrived in the afternoon"),
        ("hour", "evening"): lambda: _("arrived in the evening"),
    }
    text = texts.get((feature, value))
    return text() if text else None


def describe(token: str, lead: Any = None) -> str:
    """``token`` in words; channel, campaign and form by name when ``lead`` has them."""
    feature, _sep, value = token.partition("=")
    fixed = _fixed(feature, value)
    if fixed is not None:
        return fixed
    if feature == "weekday" and value in WEEKDAYS:
        return WEEKDAYS[value]()
    if feature in ("channel", "campaign", "form"):
        related = getattr(lead, feature, None) if lead is not None else None
        name = related.name if related is not None and related.slug == value else value
        if not value:
            return {
                "campaign": lambda: _("no campaign"),
                "form": lambda: _("not through a web form"),
                "channel": lambda: _("no channel"),
            }[feature]()
        return {
            "channel": lambda: _("channel %(name)s"),
            "campaign": lambda: _("campaign %(name)s"),
            "form": lambda: _("web form %(name)s"),
        }[feature]() % {"name": name}
    if not value:
        return {
            "segment": lambda: _("no segment"),
            "region": lambda: _("no region"),
            "utm_source": lambda: _("no UTM source"),
            "utm_medium": lambda: _("no UTM medium"),
        }.get(feature, lambda: token)()
    return {
        "segment": lambda: _("segment %(value)s"),
        "region": lambda: _("region %(value)s"),
        "utm_source": lambda: _("UTM source %(value)s"),
        "utm_medium": lambda: _("UTM medium %(value)s"),
    }.get(feature, lambda: token)() % {"value": value}


def factor_rows(lead: Any) -> list[dict[str, Any]]:
    """The lead's factors as the API and the pages show them: strongest first."""
    from leads.scoring.scoring import lead_factors

    return [
        {"factor": describe(token, lead), "effect": round(effect, 3)}
        for token, effect in lead_factors(lead)
    ]
