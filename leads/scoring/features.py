"""The features a lead has when it arrives, as one-hot tokens ``feature=value``.

Only fields set at intake and never changed by working the lead (touches, qualification,
assignment, closing) are read, so a lead's score cannot leak its outcome: the same tokens
come out before and after it is worked (tests/leads/test_scoring.py).
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, QuerySet, Value, When
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, Length

# Domains of free mailboxes: a lead writing from one is a person, not (yet) a company.
FREE_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "mail.ru",
        "bk.ru",
        "list.ru",
        "inbox.ru",
        "internet.ru",
        "yandex.ru",
        "yandex.com",
        "ya.ru",
        "rambler.ru",
    }
)

# The features in the order their tokens are produced and explained.
FEATURES = (
    "channel",
    "campaign",
    "form",
    "segment",
    "region",
    "utm_source",
    "utm_medium",
    "contacts",
    "email_domain",
    "company",
    "need",
    "hour",
    "weekday",
)

# What each feature is computed from: one raw value per feature, read from the database by
# ``input_rows`` (for many leads) or from a lead object by ``lead_raw`` (at intake, on a
# page). Texts arrive as lengths and times as the local hour and ISO weekday, so a million rows
# are read without their text, and each feature's value is computed once per distinct raw
# value (``tokens_of_columns``).
INPUTS = {
    "channel": "channel_id",
    "campaign": "campaign_id",
    "form": "form_id",
    "segment": "segment",
    "region": "region",
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "contacts": "contacts_code",
    "email_domain": "email",
    "company": "company_length",
    "need": "need_length",
    "hour": "local_hour",
    "weekday": "local_weekday",
}
INPUT_FIELDS = tuple(INPUTS.values())

UTM_MAX = 50  # longer UTM values are cut: a tracking id in them would be a category of one


@dataclass(frozen=True)
class Slugs:
    """Channel, campaign and form slugs by id: tokens name them by slug (stable across
    databases and readable in the stored vocabulary)."""

    channels: dict[int, str]
    campaigns: dict[int, str]
    forms: dict[int, str]

    @classmethod
    def load(cls) -> "Slugs":
        from leads.models import Campaign, Channel, WebForm

        return cls(
            channels=dict(Channel.objects.values_list("pk", "slug")),
            campaigns=dict(Campaign.objects.values_list("pk", "slug")),
            forms=dict(WebForm.objects.values_list("pk", "slug")),
        )


NEED_SHORT, NEED_LONG = 40, 200  # characters: under 40 short, from 200 long


def need_bucket(length: int | None) -> str:
    length = length or 0
    if length <= 0:
        return "none"
    if length < NEED_SHORT:
        return "short"
    if length < NEED_LONG:
        return "medium"
    return "long"


def hour_bucket(hour: int) -> str:
    if hour < 7:
        return "night"
    if hour < 12:
        return "morning"
    if hour < 18:
        return "afternoon"
    return "evening"


EMAIL_KINDS = ("none", "free", "corporate")  # by the code PostgreSQL computes (leads.scoring.sql)


def email_kind(email: str) -> str:
    if not email:
        return "none"
    domain = email.rpartition("@")[2].lower()
    return "free" if domain in FREE_EMAIL_DOMAINS else "corporate"


CONTACTS = {0: "none", 1: "email", 2: "phone", 3: "both"}


def contacts_code(email: str, phone: str) -> int:
    return (1 if email else 0) + (2 if phone else 0)


def _text(value: str | None) -> str:
    return (value or "").strip().lower()


def _utm(value: str | None) -> str:
    return (value or "").strip().lower()[:UTM_MAX]


# Feature -> its value from the raw input (channel, campaign and form: the slug, "" for none).
VALUE: dict[str, Callable[[Any], str]] = {
    "channel": lambda slug: slug or "",
    "campaign": lambda slug: slug or "",
    "form": lambda slug: slug or "",
    "segment": _text,
    "region": _text,
    "utm_source": _utm,
    "utm_medium": _utm,
    "contacts": lambda code: CONTACTS[code],
    "email_domain": email_kind,
    "company": lambda length: "given" if length else "none",
    "need": need_bucket,
    "hour": hour_bucket,
    "weekday": str,
}


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def lead_raw(lead: Any, *, tz: ZoneInfo | None = None) -> list[Any]:
    """A lead object's raw inputs in ``FEATURES`` order (slugs for channel, campaign, form)."""
    local = lead.created_at.astimezone(tz or zone())
    campaign = lead.campaign if lead.campaign_id else None
    form = lead.form if lead.form_id else None
    return [
        lead.channel.slug,
        campaign.slug if campaign else "",
        form.slug if form else "",
        lead.segment,
        lead.region,
        lead.utm_source,
        lead.utm_medium,
        contacts_code(lead.email, lead.phone),
        lead.email,
        len(lead.company),
        len(lead.need),
        local.hour,
        local.isoweekday(),
    ]


def lead_tokens(lead: Any, *, tz: ZoneInfo | None = None) -> list[str]:
    """The tokens of a lead object (saved or not): used at intake and on the lead page."""
    return [
        f"{feature}={VALUE[feature](raw)}"
        for feature, raw in zip(FEATURES, lead_raw(lead, tz=tz), strict=True)
    ]


def input_rows(leads: QuerySet[Any], *extra: str) -> QuerySet[Any]:
    """``leads`` as tuples of ``("id", *INPUT_FIELDS, *extra)``: the raw inputs, computed by
    the database (Django's portable functions: the same on PostgreSQL and SQLite)."""
    tz = zone()
    return leads.annotate(
        contacts_code=Case(When(email="", then=Value(0)), default=Value(1))
        + Case(When(phone="", then=Value(0)), default=Value(2)),
        company_length=Length("company"),
        need_length=Length("need"),
        local_hour=ExtractHour("created_at", tzinfo=tz),
        local_weekday=ExtractIsoWeekDay("created_at", tzinfo=tz),
    ).values_list("id", *INPUT_FIELDS, *extra)


def tokens_of_columns(
    columns: Sequence[Sequence[Any]], slugs: Slugs
) -> list[tuple[str, list[Any], dict[Any, str]]]:
    """For each feature, ``(feature, raw column, token of each distinct raw value)``: the
    feature's function runs once per distinct value, not once per lead. ``columns`` are the
    ``INPUT_FIELDS`` columns of many rows (channel, campaign, form as ids)."""
    by_id = {"channel": slugs.channels, "campaign": slugs.campaigns, "form": slugs.forms}
    out = []
    for feature, column in zip(FEATURES, columns, strict=True):
        ids = by_id.get(feature)
        value = VALUE[feature]
        tokens = {
            raw: f"{feature}={value(ids.get(raw, '') if ids is not None else raw)}"
            for raw in set(column)
        }
        out.append((feature, list(column), tokens))
    return out


def tokens_of_rows(rows: Iterable[Sequence[Any]], slugs: Slugs) -> Iterator[tuple[int, list[str]]]:
    """``(lead id, tokens)`` for rows read by ``input_rows`` (a few rows; many go through
    ``tokens_of_columns``)."""
    rows = list(rows)
    if not rows:
        return
    ids, *columns = zip(*(row[: 1 + len(FEATURES)] for row in rows), strict=True)
    features = tokens_of_columns(columns, slugs)
    for i, pk in enumerate(ids):
        yield pk, [tokens[column[i]] for _feature, column, tokens in features]
