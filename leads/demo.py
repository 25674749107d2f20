"""Demo data for the leads domain: channels, campaigns, forms, SLA policies and a few hundred
leads in every status, all created through the same services as real traffic."""

import heapq
import random
from datetime import datetime, time, timedelta
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

FREE_DOMAINS = ["gmail.com", "mail.ru", "yandex.ru"]
# How much likelier than usual a lead from each channel is to be a buyer: the demo's outcomes
# depend on what is known when a lead arrives, so the lead scores have something to learn.
CHANNEL_PROPENSITY = {
    "exhibitions": 1.7,
    "referrals": 1.5,
    "google-ads": 1.0,
    "website": 0.9,
    "yandex-direct": 0.8,
    "newsletter": 0.45,
}
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
    # Most write from their company's domain, some from a free mailbox.
    domain = rng.choice(FREE_DOMAINS) if rng.random() < 0.3 else "example.ru"
    email = f"{first}.{last}{index}@{domain}".lower() if rng.random() < 0.85 else ""
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


QUALIFY_ALL = {
    "target_segment": True,
    "real_need": True,
    "valid_contacts": True,
    "ready_for_dialog": True,
}


class _Clock:
    """The demo's history, replayed in time order through the real services.

    Events (a lead arrives, a salesperson claims, touches, decides) wait in a heap; before
    each one the SLA sweep runs at that moment, as beat would have. So the data obeys the
    system's own rules: a lead left untouched is escalated and taken back to the queue on
    time, never held for weeks; a touch planned after that simply finds the lead gone.
    """

    def __init__(self, rng: random.Random, workers: list[User], reasons: list[str]) -> None:
        self.rng = rng
        self.workers = workers
        self.reasons = reasons
        self.events: list[tuple[datetime, int, str, int, int]] = []
        self.seq = 0

    def at(self, when: datetime, kind: str, lead_id: int = 0, user_id: int = 0) -> None:
        self.seq += 1
        heapq.heappush(self.events, (when, self.seq, kind, lead_id, user_id))

    def run(self, *, until: datetime, arrivals: list[tuple[datetime, LeadInput, str]]) -> None:
        for index, (created, _data, _source) in enumerate(arrivals):
            self.at(created, "arrive", lead_id=index)  # here: the arrival's index
        users = {u.pk: u for u in User.objects.filter(role=Role.SALES)}
        while self.events and self.events[0][0] <= until:
            when, _, kind, lead_id, user_id = heapq.heappop(self.events)
            if sla_sweep(now=when).level2 and self.workers:
                # Leads the sweep took back wait in the queue: somebody claims them next.
                worker = self.rng.choice(self.workers)
                self.at(
                    when + timedelta(minutes=self.rng.uniform(1, 20)), "claim", user_id=worker.pk
                )
            if kind == "arrive":
                _created, data, source = arrivals[lead_id]
                result = lead_intake(data=data, source=source, now=when)  # type: ignore[arg-type]
                if result.duplicate or not self.workers:
                    continue
                if result.lead.owner_id is not None:  # round-robin
                    self._plan_touch(result.lead, when)
                else:
                    worker = self.rng.choice(self.workers)
                    self.at(when + timedelta(seconds=20), "claim", user_id=worker.pk)
            elif kind == "claim":
                self._claim(users[user_id], when)
            elif kind == "touch":
                self._touch(lead_id, users[user_id], when)
            elif kind == "decide":
                self._decide(lead_id, users[user_id], when)

    def _claim(self, worker: User, when: datetime) -> None:
        try:
            lead = lead_claim_next(user=worker, now=when)
        except CapacityReached:
            lead = None
        if lead is not None:
            self._plan_touch(lead, when)
        # Someone keeps claiming while older leads still wait.
        if Lead.objects.filter(status=Lead.Status.NEW, created_at__lt=when).exists():
            self.at(when + timedelta(minutes=self.rng.uniform(3, 40)), "claim", user_id=worker.pk)

    def _plan_touch(self, lead: Lead, when: datetime) -> None:
        if not lead.sla_breached and self.rng.random() < 0.06:
            return  # claimed and forgotten: the sweep escalates it and takes it back
        minutes = _response_minutes(self.rng)
        self.at(when + timedelta(minutes=minutes), "touch", lead.pk, lead.owner_id or 0)

    def _touch(self, lead_id: int, seller: User, when: datetime) -> None:
        lead = Lead.objects.get(pk=lead_id)
        if lead.owner_id != seller.pk or lead.first_touch_at is not None:
            return  # too late: the sweep gave it back to the queue, someone else has it
        lead_touch(lead=lead, by=seller, kind=self.rng.choice(KINDS), note="", now=when)
        self.at(when + timedelta(minutes=self.rng.uniform(5, 240)), "decide", lead_id, seller.pk)

    def _decide(self, lead_id: int, seller: User, when: datetime) -> None:
        lead = Lead.objects.get(pk=lead_id)
        assert lead.first_touch_at is not None
        fast = (lead.first_touch_at - lead.created_at) <= timedelta(minutes=5)
        roll = self.rng.random()
        if roll < min(0.9, (0.55 if fast else 0.3) * _propensity(lead)):
            lead_qualify(lead=lead, by=seller, criteria=QUALIFY_ALL, now=when)
        elif roll < 0.85:
            reason = self.rng.choice(self.reasons)
            if reason == "no_response":
                # Closed as "no answer" only after the attempts the rule asks for.
                for _attempt in range(1, settings.NO_RESPONSE_MIN_ATTEMPTS):
                    when += timedelta(hours=4)
                    lead_touch(lead=lead, by=seller, kind="call", note="", now=when)
            lead_disqualify(lead=lead, by=seller, reason=reason, now=when)
        # else: stays contacted, still being worked


KINDS = ["call", "call", "email", "message"]


def _propensity(lead: Lead) -> float:
    """How much likelier than usual this lead is to qualify, from its arrival-time fields."""
    from leads.scoring.features import email_kind

    factor = CHANNEL_PROPENSITY.get(lead.channel.slug, 1.0)
    if email_kind(lead.email) == "free":
        factor *= 0.6
    if lead.company:
        factor *= 1.2
    if lead.need in ("", "Just collecting information"):
        factor *= 0.5
    return factor


def finish() -> str:
    """Train the lead scoring model on the demo's closed leads (converted ones are made by
    the deals app's demo) and score the open ones."""
    from leads.scoring.training import train_scoring

    result = train_scoring()
    if result.model is None:
        return f"no scoring model: {result.reason}"
    model = result.model
    return (
        f"scoring model v{model.version} from {model.closed_leads} closed leads "
        f"(AUC {model.auc}), {result.rescored} open leads scored"
    )


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
    arrivals: list[tuple[datetime, LeadInput, str]] = []
    for index in range(history):
        created = (
            now
            - timedelta(days=75)
            + timedelta(days=75 * index / history, minutes=rng.randint(0, 600))
        )
        created = min(created, now - timedelta(days=3))
        arrivals.append((created, _input(rng, channels, index), Source.API))
    clock = _Clock(rng, workers, reasons)
    clock.run(until=now - timedelta(hours=1), arrivals=arrivals)
    # The last minutes: fresh leads nobody has claimed yet, so the queue looks alive.
    for index in range(history, LEAD_COUNT):
        created = now - timedelta(minutes=rng.uniform(0.2, 14))
        data = _input(rng, channels, index)
        lead_intake(
            data=data, source=Source.FORM if rng.random() < 0.5 else Source.API, now=created
        )
    sla_sweep(now=now)
    counts = {s: Lead.objects.filter(status=s).count() for s in Lead.Status.values}
    return "leads: " + ", ".join(f"{k} {v}" for k, v in counts.items())
