"""The features a lead has when it arrives, as one-hot tokens ``feature=value``.

Only fields set at intake and never changed by working the lead (touches, qualification,
assignment, closing) are read, so a lead's score cannot leak its outcome: the same tokens
come out before and after it is worked (tests/leads/test_scoring.py).
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.functions import Length

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

# What a lead's features are computed from: lead columns set at intake. ``need_length`` and
# ``company_length`` are annotations, so a million rows are read without their text.
INPUT_FIELDS = (
    "channel_id",
    "campaign_id",
    "form_id",
    "segment",
    "region",
    "utm_source",
    "utm_medium",
    "email",
    "phone",
    "company_length",
    "need_length",
    "created_at",
)

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


def need_bucket(length: int) -> str:
    if length <= 0:
        return "none"
    if length < 40:
        return "short"
    if length < 200:
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


def email_kind(email: str) -> str:
    if not email:
        return "none"
    domain = email.rpartition("@")[2].lower()
    return "free" if domain in FREE_EMAIL_DOMAINS else "corporate"


def contacts_kind(email: str, phone: str) -> str:
    if email and phone:
        return "both"
    return "email" if email else "phone" if phone else "none"


def _utm(value: str) -> str:
    return value.strip().lower()[:UTM_MAX]


def tokens_from_inputs(
    *,
    channel: str,
    campaign: str,
    form: str,
    segment: str,
    region: str,
    utm_source: str,
    utm_medium: str,
    email: str,
    phone: str,
    company_length: int,
    need_length: int,
    created_at: datetime,
    zone: ZoneInfo,
) -> list[str]:
    """The tokens of one lead, one per feature, in ``FEATURES`` order."""
    local = created_at.astimezone(zone)
    return [
        f"channel={channel}",
        f"campaign={campaign}",
        f"form={form}",
        f"segment={segment.strip().lower()}",
        f"region={region.strip().lower()}",
        f"utm_source={_utm(utm_source)}",
        f"utm_medium={_utm(utm_medium)}",
        f"contacts={contacts_kind(email, phone)}",
        f"email_domain={email_kind(email)}",
        f"company={'given' if company_length > 0 else 'none'}",
        f"need={need_bucket(need_length)}",
        f"hour={hour_bucket(local.hour)}",
        f"weekday={local.isoweekday()}",
    ]


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def lead_tokens(lead: Any, *, tz: ZoneInfo | None = None) -> list[str]:
    """The tokens of a lead object (saved or not): used at intake and on the lead page."""
    campaign = lead.campaign if lead.campaign_id else None
    form = lead.form if lead.form_id else None
    return tokens_from_inputs(
        channel=lead.channel.slug,
        campaign=campaign.slug if campaign else "",
        form=form.slug if form else "",
        segment=lead.segment,
        region=lead.region,
        utm_source=lead.utm_source,
        utm_medium=lead.utm_medium,
        email=lead.email,
        phone=lead.phone,
        company_length=len(lead.company),
        need_length=len(lead.need),
        created_at=lead.created_at,
        zone=tz or zone(),
    )


def input_rows(leads: QuerySet[Any], *extra: str) -> QuerySet[Any]:
    """``leads`` as tuples of ``("id", *INPUT_FIELDS, *extra)``: the columns the tokens need,
    the texts as lengths."""
    return leads.annotate(company_length=Length("company"), need_length=Length("need")).values_list(
        "id", *INPUT_FIELDS, *extra
    )


def tokens_of_rows(rows: Iterable[Sequence[Any]], slugs: Slugs) -> Iterator[tuple[int, list[str]]]:
    """``(lead id, tokens)`` for rows read by ``input_rows``."""
    tz = zone()
    channels, campaigns, forms = slugs.channels, slugs.campaigns, slugs.forms
    for (
        pk,
        channel_id,
        campaign_id,
        form_id,
        segment,
        region,
        utm_source,
        utm_medium,
        email,
        phone,
        company_length,
        need_length,
        created_at,
    ) in rows:
        yield (
            pk,
            tokens_from_inputs(
                channel=channels.get(channel_id, ""),
                campaign=campaigns.get(campaign_id, "") if campaign_id else "",
                form=forms.get(form_id, "") if form_id else "",
                segment=segment,
                region=region,
                utm_source=utm_source,
                utm_medium=utm_medium,
                email=email,
                phone=phone,
                company_length=company_length or 0,
                need_length=need_length or 0,
                created_at=created_at,
                zone=tz,
            ),
        )
