"""Demo data for the leads domain: channels, campaigns, forms, SLA policies and a few hundred
leads in every status, all created through the same services as real traffic."""

import random
from datetime import time, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from leads.models import (
    AssignmentMode,
    Campaign,
    Channel,
    Lead,
    SalesProfile,
    SlaPolicy,
    WebForm,
)
from leads.services import (
    CapacityReached,
    LeadInput,
    Source,
    lead_claim_next,
    lead_disqualify,
    lead_intake,
    lead_qualify,
    lead_touch,
    sla_sweep,
)
from org.models import Role, User

CHANNELS = [
    ("website", "Website"),
    ("google-ads", "Google Ads"),
    ("yandex-direct", "Yandex Direct"),
    ("exhibitions", "Exhibitions"),
    ("referrals", "Referrals"),
    ("newsletter", "E-mail newsletter"),
]
CAMPAIGNS = [
    # slug, name, channel, cost, days ago started
    ("spring-search", "Spring search campaign", "google-ads", "420000.00", 80),
    ("brand-search", "Brand search", "yandex-direct", "150000.00", 90),
    ("retargeting", "Retargeting", "yandex-direct", "90000.00", 60),
    ("crm-expo", "CRM Expo 2026", "exhibitions", "600000.00", 45),
    ("webinar-funnel", "Webinar: one funnel", "newsletter", "30000.00", 70),
    ("partner-program", "Partner programme", "referrals", None, 90),
]
FORMS = [
    ("site-contact", "Website contact form", "website", None, True, False),
    ("demo-request", "Demo request", "google-ads", "spring-search", True, False),
    ("webinar-signup", "Webinar sign-up", "newsletter", "webinar-funnel", False, True),
]
FIRST = [
    "Ivan",
    "Anna",
    "Sergey",
    "Olga",
    "Dmitry",
    "Elena",
    "Alexey",
    "Maria",
    "Nikolay",
    "Tatiana",
    "Pavel",
    "Irina",
    "Andrey",
    "Natalia",
    "Mikhail",
    "Yulia",
    "Artem",
    "Ksenia",
]
LAST = [
    "Ivanov",
    "Petrov",
    "Sidorov",
    "Kuznetsov",
    "Popov",
    "Vasiliev",
    "Novikov",
    "Fedorov",
    "Morozov",
    "Volkov",
    "Lebedev",
    "Kozlov",
    "Egorov",
    "Pavlov",
    "Orlov",
    "Zaitsev",
]
COMPANIES = [
    "Stroymaster",
    "AgroPlus",
    "TechnoServis",
    "MedLine",
    "LogistikPro",
    "Severstal-Trade",
    "UralMebel",
    "Volga Foods",
    "NevaSoft",
    "Sibirskie Okna",
    "Baltic Print",
    "KamaAuto",
    "Don Textile",
    "Altai Honey",
    "Ladoga Travel",
    "",
]
NEEDS = [
    "Wants to connect the website forms to sales",
    "Needs a CRM for 20 salespeople",
    "Looking to replace spreadsheets",
    "Asked for a price for 50 seats",
    "Wants marketing and sales reports in one place",
    "Asked about integration with 1C",
    "Just collecting information",
    "",
]
SEGMENTS = ["smb", "smb", "smb", "mid-market", "mid-market", "enterprise"]
REGIONS = ["moscow", "spb", "ural", "siberia", "south"]
UTM_SOURCES = {"google-ads": "google", "yandex-direct": "yandex", "newsletter": "mailchimp"}

LEAD_COUNT = 320
RECENT_NEW = 14  # fresh leads left waiting so the queue looks alive


def _reference_data(owner: User | None) -> dict[str, Channel]:
    channels = {}
    for slug, name in CHANNELS:
        channels[slug], _ = Channel.objects.get_or_create(slug=slug, defaults={"name": name})
    today = timezone.localdate()
    for slug, name, channel, cost, started in CAMPAIGNS:
        Campaign.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "channel": channels[channel],
                "cost": Decimal(cost) if cost else None,
                "starts_on": today - timedelta(days=started),
                "owner": owner,
            },
        )
    for slug, name, channel, campaign, need_phone, need_email in FORMS:
        WebForm.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "channel": channels[channel],
                "campaign": Campaign.objects.filter(slug=campaign).first(),
                "require_phone": need_phone,
                "require_email": need_email,
            },
        )
    SlaPolicy.objects.get_or_create(
        channel=channels["exhibitions"],
        segment="",
        defaults={
            "name": "Exhibitions: 1 working hour",
            "first_response_minutes": 60,
            "business_hours_start": time(9, 0),
            "business_hours_end": time(18, 0),
            "working_days": [1, 2, 3, 4, 5],
            "timezone": "Europe/Moscow",
        },
    )
    SlaPolicy.objects.get_or_create(
        channel=None,
        segment="enterprise",
        defaults={"name": "Enterprise: 15 minutes", "first_response_minutes": 15},
    )
    return channels


def _phone(rng: random.Random) -> str:
    digits = [rng.randint(10, 99), rng.randint(100, 999), rng.randint(10, 99), rng.randint(10, 99)]
    return "+7 9{} {}-{}-{}".format(*digits)


def _input(rng: random.Random, channels: dict[str, Channel], index: int) -> LeadInput:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    channel = channels[rng.choice([c for c, _ in CHANNELS])]
    campaigns = list(Campaign.objects.filter(channel=channel))
    campaign = rng.choice(campaigns) if campaigns and rng.random() < 0.8 else None
    email = f"{first}.{last}{index}@example.ru".lower() if rng.random() < 0.85 else ""
    return LeadInput(
        name=f"{first} {last}",
        channel=channel,
        campaign=campaign,
        email=email,
        phone=_phone(rng) if not email or rng.random() < 0.6 else "",
        company=rng.choice(COMPANIES),
        need=rng.choice(NEEDS),
        segment=rng.choice(SEGMENTS),
        region=rng.choice(REGIONS),
        utm_source=UTM_SOURCES.get(channel.slug, ""),
        utm_medium="cpc" if channel.slug in ("google-ads", "yandex-direct") else "",
        utm_campaign=campaign.slug if campaign else "",
    )


def _response_minutes(rng: random.Random) -> float:
    """A realistic spread: many answer fast, a long tail answers the next day."""
    bucket = rng.random()
    if bucket < 0.45:
        return rng.uniform(0.5, 5)
    if bucket < 0.7:
        return rng.uniform(5, 30)
    if bucket < 0.82:
        return rng.uniform(30, 60)
    if bucket < 0.95:
        return rng.uniform(60, 24 * 60)
    return rng.uniform(24 * 60, 72 * 60)


def _work(rng: random.Random, lead: Lead, seller: User, reasons: list[str]) -> None:
    """Claim, touch and decide one lead the way a salesperson would have."""
    created = lead.created_at
    if lead.owner_id is None:
        try:
            claimed = lead_claim_next(user=seller, now=created + timedelta(seconds=20))
        except CapacityReached:
            return
        if claimed is None:
            return
        lead = claimed  # possibly an older lead that was waiting first
    seller = lead.owner  # type: ignore[assignment]
    if rng.random() < 0.06:
        return  # claimed and forgotten: the SLA sweep will escalate it
    minutes = _response_minutes(rng)
    touched = max(created, lead.queue_entered_at or created) + timedelta(minutes=minutes)
    assert lead.sla_deadline is not None
    if touched > lead.sla_deadline:
        # The sweep ran while the lead waited: level 1 (never level 2, it was touched in time).
        level2 = lead.sla_deadline + timedelta(minutes=lead.sla_minutes or 5)
        sla_sweep(now=min(touched, level2) - timedelta(seconds=1))
    lead_touch(
        lead=lead,
        by=seller,
        kind=rng.choice(["call", "call", "email", "message"]),
        note="",
        now=touched,
    )
    fast = minutes <= 5
    roll = rng.random()
    if roll < (0.55 if fast else 0.3):
        lead_qualify(
            lead=lead,
            by=seller,
            criteria={
                "target_segment": True,
                "real_need": True,
                "valid_contacts": True,
                "ready_for_dialog": True,
            },
        )
    elif roll < 0.85:
        reason = rng.choice(reasons)
        if reason == "no_response":
            # Closed as "no answer" only after the attempts the rule asks for.
            for attempt in range(1, settings.NO_RESPONSE_MIN_ATTEMPTS):
                lead_touch(
                    lead=lead,
                    by=seller,
                    kind="call",
                    note="",
                    now=touched + timedelta(hours=4 * attempt),
                )
        lead_disqualify(lead=lead, by=seller, reason=reason)
    # else: stays contacted, still being worked


def holds_data() -> bool:
    return Lead.objects.exists() or Channel.objects.exists()


def seed() -> str:
    if Lead.objects.exists():
        return "leads already present; left as they are"
    rng = random.Random(20261122)
    marketer = User.objects.filter(role=Role.MARKETING, is_head=False).first()
    channels = _reference_data(marketer)
    sellers = list(User.objects.filter(role=Role.SALES, is_active=True).order_by("username"))
    for seller in sellers:
        SalesProfile.objects.get_or_create(user=seller, defaults={"max_open_leads": 25})
    # Referrals are assigned round-robin; everything else waits in the queue to be claimed.
    Channel.objects.filter(slug="referrals").update(assignment=AssignmentMode.ROUND_ROBIN)
    channels["referrals"].assignment = AssignmentMode.ROUND_ROBIN
    reasons = [
        "not_target",
        "no_need",
        "invalid_contacts",
        "no_response",
        "not_ready",
        "competitor",
        "no_need",
        "not_target",
    ]
    now = timezone.now()
    workers = [s for s in sellers if not s.is_head] or sellers
    history = LEAD_COUNT - RECENT_NEW
    for index in range(history):
        created = (
            now
            - timedelta(days=75)
            + timedelta(days=75 * index / history, minutes=rng.randint(0, 600))
        )
        created = min(created, now - timedelta(days=3))
        result = lead_intake(data=_input(rng, channels, index), source=Source.API, now=created)
        if result.duplicate or not workers:
            continue
        _work(rng, result.lead, rng.choice(workers), reasons)
    for index in range(history, LEAD_COUNT):
        created = now - timedelta(minutes=rng.uniform(0.2, 14))
        data = _input(rng, channels, index)
        lead_intake(
            data=data, source=Source.FORM if rng.random() < 0.5 else Source.API, now=created
        )
    sla_sweep(now=now)
    counts = {s: Lead.objects.filter(status=s).count() for s in Lead.Status.values}
    return "leads: " + ", ".join(f"{k} {v}" for k, v in counts.items())
