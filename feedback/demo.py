"""Demo feedback, all through the same services as real use: ratings on the leads sales
worked, disputes in every state, an objection library with answers and votes, two past weekly
reviews with decisions, and briefs along the whole workflow."""

import random
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from deals.models import Deal
from feedback.models import Dispute, LeadFeedback, Objection
from feedback.services import (
    action_item_set_done,
    answer_add,
    answer_vote,
    brief_create,
    brief_transition,
    brief_warn,
    dispute_decide,
    dispute_raise,
    dispute_respond,
    lead_feedback_give,
    objection_create,
    objection_record_heard,
    review_meeting_create,
)
from leads.models import Lead
from org.models import Role, User

# Tags a salesperson would pick for a lead, by how it ended.
BAD_TAGS = {
    "not_target": ["outside_segment"],
    "no_need": ["no_need", "just_browsing"],
    "invalid_contacts": ["wrong_contacts"],
    "no_response": ["wrong_contacts"],
    "duplicate": ["duplicate"],
    "not_ready": ["just_browsing", "no_budget"],
    "competitor": ["competitor"],
}
COMMENTS = {
    1: ["A student collecting material for a thesis.", "The number belongs to someone else."],
    2: ["Wanted a free version only.", "Small shop, two people, no budget this year."],
    3: ["Interested, but the decision is months away.", ""],
    4: ["Good conversation, knew our prices already.", ""],
    5: ["Came ready to buy after the webinar.", "Exactly our customer: 30 salespeople, 1C."],
}

OBJECTIONS = [
    # text, category, answers (text, link)
    (
        "It is too expensive for us",
        "price",
        [
            (
                "Show the cost of one lost lead per week against the licence price; most "
                "customers pay back in two months.",
                "https://example.com/materials/roi-calculator",
            ),
            ("Offer the 12-month plan: 20% less than monthly.", ""),
        ],
    ),
    (
        "We already use spreadsheets and they work",
        "need",
        [
            (
                "Ask how they know which campaign brought last month's revenue; then show "
                "the funnel report on their own numbers.",
                "https://example.com/materials/spreadsheets-vs-crm",
            )
        ],
    ),
    (
        "We are evaluating a competitor",
        "competitor",
        [("Send the comparison sheet and offer a pilot on their real leads.", "")],
    ),
    ("Not now, come back next quarter", "timing", []),
    (
        "I need to ask my director",
        "authority",
        [("Offer a 20-minute call with the director; send the one-page summary first.", "")],
    ),
    (
        "Will our data be safe with you?",
        "trust",
        [
            (
                "Data stays in Russia, daily backups, 152-FZ compliant: send the security note.",
                "https://example.com/materials/security",
            )
        ],
    ),
    ("Does it integrate with 1C?", "product", []),
]

BRIEFS = [
    # title, goal, requirements, due in days, the path it takes
    (
        "Case study for logistics companies",
        "Sales needs proof for logistics prospects that we cut first-response time.",
        "Two pages, one real customer, numbers before and after.",
        14,
        ["approved", "in_progress", "delivered", "accepted"],
    ),
    (
        "Price objection one-pager",
        "Answer 'too expensive' with a payback calculation salespeople can send.",
        "One page PDF and a short script.",
        10,
        ["approved", "in_progress", "delivered", "returned"],
    ),
    (
        "Webinar for enterprise leads",
        "Warm up enterprise leads that are not ready for a dialogue yet.",
        "45 minutes, a customer speaker, registration form with segment field.",
        21,
        ["approved", "in_progress"],
    ),
    (
        "Exhibition stand leaflets",
        "Leaflets for CRM Expo that qualify visitors on the spot.",
        "500 copies, QR code to the demo-request form.",
        -3,
        ["approved"],
    ),
    (
        "Landing page for the partner programme",
        "Partners should register their leads themselves.",
        "Form with partner id; leads go to the referrals channel.",
        5,
        ["warn"],
    ),
    (
        "Competitor comparison sheet",
        "Sales lose deals to one competitor on features we also have.",
        "A table of 15 features and a one-line answer for each gap.",
        12,
        ["approved", "in_progress", "delivered"],
    ),
]


def _users() -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(is_active=True)}


def _worked() -> QuerySet[Lead]:
    return (
        Lead.objects.filter(owner__isnull=False, first_touch_at__isnull=False)
        .select_related("owner", "disqualification_reason", "campaign")
        .order_by("first_touch_at", "pk")
    )


def _rate(rng: random.Random) -> int:
    rated = 0
    for lead in _worked():
        if lead.owner is None or not lead.owner.has_role(Role.SALES) or rng.random() < 0.45:
            continue
        if lead.status == Lead.Status.CONVERTED:
            rating, tags = (
                rng.choice([4, 5, 5]),
                rng.sample(["ready_to_buy", "knew_the_offer", "good_fit"], 2),
            )
        elif lead.status == Lead.Status.QUALIFIED:
            rating, tags = rng.choice([3, 4, 4]), ["good_fit"]
        elif lead.status == Lead.Status.DISQUALIFIED and lead.disqualification_reason:
            rating = rng.choice([1, 1, 2, 2, 3])
            tags = BAD_TAGS.get(lead.disqualification_reason.code, ["no_need"])
        else:
            rating, tags = 3, []
        assert lead.first_touch_at is not None
        lead_feedback_give(
            lead=lead,
            by=lead.owner,
            rating=rating,
            tags=tags,
            comment=rng.choice(COMMENTS[rating]),
            now=min(timezone.now(), lead.first_touch_at + timedelta(hours=rng.randint(1, 30))),
        )
        rated += 1
    return rated


def _disputes(rng: random.Random, users: dict[str, User]) -> int:
    manager = users.get("manager")
    head = users.get("mhead")
    candidates = [
        lead
        for lead in _worked().filter(status=Lead.Status.DISQUALIFIED, campaign__isnull=False)
        if lead.owner is not None and lead.owner.has_role(Role.SALES)
    ]
    # The states, in order: two open, then accepted, contested, upheld twice, rejected.
    plan = ["open", "open", "accepted", "contested", "upheld", "upheld", "rejected"]
    raised = 0
    for lead, target in zip(candidates[-len(plan) :], plan, strict=False):
        assert lead.owner is not None and lead.first_touch_at is not None
        at = min(lead.first_touch_at + timedelta(days=1), timezone.now() - timedelta(days=2))
        reason = lead.disqualification_reason.code if lead.disqualification_reason else ""
        unmet = {"not_target": ["target_segment"], "invalid_contacts": ["valid_contacts"]}.get(
            reason, ["real_need", "ready_for_dialog"]
        )
        dispute = dispute_raise(
            lead=lead,
            by=lead.owner,
            unmet_criteria=unmet,
            comment="Not a lead by our definition: see the call notes.",
            now=at,
        )
        raised += 1
        marketer = lead.campaign.owner if lead.campaign and lead.campaign.owner else head
        if target == "open" or marketer is None:
            continue
        answer = "accept" if target in ("accepted", "upheld") else "contest"
        dispute = dispute_respond(
            dispute=dispute,
            by=marketer,
            answer=answer,
            comment=(
                "Agreed: the form let this through; we are adding a segment field."
                if answer == "accept"
                else "The request named a budget and a deadline; it met the definition then."
            ),
            now=at + timedelta(hours=5),
        )
        if target in ("upheld", "rejected") and manager is not None:
            dispute_decide(
                dispute=dispute,
                by=manager,
                decision=target,
                reason=(
                    "The criteria were not met at first contact."
                    if target == "upheld"
                    else "At intake the lead met the definition; it cooled down later."
                ),
                now=at + timedelta(days=1),
            )
    return raised


def _objections(rng: random.Random, users: dict[str, User]) -> int:
    marketer = users.get("marketer") or users.get("mhead")
    sellers = [u for u in users.values() if u.role == Role.SALES]
    now = timezone.now()
    created = []
    for text, category, answers in OBJECTIONS:
        author = rng.choice(sellers) if sellers else marketer
        if author is None:
            continue
        objection = objection_create(
            by=author, text=text, category=category, now=now - timedelta(days=70)
        )
        created.append(objection)
        for answer_text, link in answers:
            if marketer is None:
                break
            answer = answer_add(
                objection=objection,
                by=marketer,
                text=answer_text,
                link_url=link,
                now=now - timedelta(days=rng.randint(20, 60)),
            )
            for seller in rng.sample(sellers, k=rng.randint(0, len(sellers))):
                answer_vote(answer=answer, by=seller)
    # Heard on the touches of worked leads and on open deals, more often on price lately.
    weights = [6, 4, 3, 3, 2, 2, 1][: len(created)]
    for lead in _worked().filter(first_touch_at__gte=now - timedelta(days=60)):
        if lead.owner is None or not lead.owner.has_role(Role.SALES) or rng.random() < 0.6:
            continue
        touch = lead.touches.order_by("at").first()
        objection = rng.choices(created, weights=weights)[0]
        objection_record_heard(objection=objection, by=lead.owner, lead=lead, touch=touch)
    for deal in Deal.objects.filter(status=Deal.Status.OPEN).select_related("owner")[:15]:
        objection = rng.choices(created, weights=weights)[0]
        heard_at = max(deal.created_at, now - timedelta(days=rng.randint(0, 20)))
        objection_record_heard(objection=objection, by=deal.owner, deal=deal, heard_at=heard_at)
    return len(created)


def _meetings(users: dict[str, User]) -> int:
    head = users.get("manager")
    if head is None:
        return 0
    names = ("manager", "mhead", "marketer", "shead", "sales1")
    people = [users[name] for name in names if name in users]
    today = timezone.localdate()
    stuck = list(Deal.objects.filter(status=Deal.Status.OPEN).order_by("stage_changed_at")[:3])
    lost = list(Deal.objects.filter(status=Deal.Status.LOST).order_by("-closed_at")[:2])
    price = Objection.objects.filter(category="price").first()
    spreadsheets = Objection.objects.filter(category="need").first()
    plans = [
        (
            today - timedelta(days=14),
            stuck[:2] + lost[:1],
            [o for o in (price,) if o],
            [
                ("Add a segment field to the demo-request form", "marketer", 3, True),
                ("Call back every lead within 5 minutes: review the queue daily", "shead", 7, True),
                ("Prepare the payback one-pager for price objections", "mhead", 10, False),
            ],
        ),
        (
            today - timedelta(days=7),
            stuck[1:] + lost[1:],
            [o for o in (price, spreadsheets) if o],
            [
                ("Pilot offer for prospects comparing competitors", "shead", 5, False),
                ("Move the expo budget to the webinar funnel next quarter", "mhead", 14, False),
                ("Rate every disqualified lead before Friday", "sales1", 2, True),
            ],
        ),
    ]
    for held_on, deals, objections, items in plans:
        meeting = review_meeting_create(
            by=head,
            held_on=held_on,
            title="Weekly review",
            participants=people,
            deals=deals,
            objections=objections,
            notes="Marketing and sales went through stuck and lost deals, disputes and briefs.",
            action_items=[
                {"text": text, "owner": users[owner], "due_on": held_on + timedelta(days=days)}
                for text, owner, days, _done in items
                if owner in users
            ],
            now=datetime.combine(held_on, datetime.min.time(), timezone.get_current_timezone())
            + timedelta(hours=16),
        )
        done_texts = {text for text, _owner, _days, done in items if done}
        for item in meeting.action_items.select_related("owner"):
            if item.text in done_texts:
                action_item_set_done(item=item, by=item.owner, done=True)
    return len(plans)


def _briefs(users: dict[str, User]) -> int:
    requester = users.get("shead") or users.get("manager")
    manager = users.get("manager")
    marketer = users.get("marketer") or users.get("mhead")
    mhead = users.get("mhead") or marketer
    if requester is None or manager is None or marketer is None or mhead is None:
        return 0
    now = timezone.now()
    today = timezone.localdate()
    for i, (title, goal, requirements, due_in, path) in enumerate(BRIEFS):
        at = now - timedelta(days=20 - i * 2)
        brief = brief_create(
            by=requester if i % 2 == 0 else users.get("sales1", requester),
            title=title,
            goal=goal,
            requirements=requirements,
            due_on=today + timedelta(days=due_in),  # a negative one is overdue by now
            now=at,
        )
        for step, to in enumerate(path, start=1):
            moment = at + timedelta(hours=6 * step)
            if to == "warn":
                brief_warn(
                    brief=brief,
                    by=mhead,
                    warning="Five days is too short for design and legal review.",
                    now=moment,
                )
                continue
            by = {"approved": manager, "in_progress": marketer, "delivered": marketer}.get(
                to, brief.requester
            )
            brief = brief_transition(
                brief=brief,
                to=to,
                by=by,
                comment={
                    "delivered": "Draft attached: https://example.com/materials/draft",
                    "returned": "Add the payback for 10 and 50 seats; one example is too few.",
                }.get(to, ""),
                now=moment,
            )
    return len(BRIEFS)


def holds_data() -> bool:
    return LeadFeedback.objects.exists() or Dispute.objects.exists() or Objection.objects.exists()


def seed() -> str:
    if LeadFeedback.objects.exists() or Dispute.objects.exists():
        return "feedback already present; left as it is"
    rng = random.Random(6)
    users = _users()
    rated = _rate(rng)
    disputes = _disputes(rng, users)
    objections = _objections(rng, users)
    meetings = _meetings(users)
    briefs = _briefs(users)
    return (
        f"{rated} lead ratings, {disputes} disputes, {objections} objections, "
        f"{meetings} review meetings, {briefs} briefs"
    )
