"""The default responsibility matrix (data migration and post_migrate, idempotent).

Every stage has an owner: audience analysis and positioning are joint, campaigns are marketing,
inbound requests are sales, the commercial proposal is joint, meetings, objections and closing are
sales, post-sale loyalty is marketing, repeat sales are sales. Management is accountable for each
stage. The deal pipeline's default stages (proposal, meeting, negotiation, contract) use the same
codes, so the deals app links them to these rows.
"""

from typing import Any

from django.apps import apps as global_apps

# code, name, order, what happens there
STAGES = [
    ("audience_analysis", "Audience analysis", 10, "Who buys, why, and where they look for it."),
    ("positioning", "Positioning", 20, "The offer and the arguments both departments use."),
    ("campaigns", "Campaigns", 30, "Bringing the target audience in: ads, events, content."),
    ("inbound_requests", "Inbound requests", 40, "First response and qualification of leads."),
    ("proposal", "Commercial proposal", 50, "A proposal built on the agreed positioning."),
    ("meeting", "Meeting", 60, "Meeting the decision makers."),
    ("negotiation", "Objections and negotiation", 70, "Answering objections, agreeing terms."),
    ("contract", "Contract and closing", 80, "Signing the contract and getting paid."),
    ("loyalty", "Post-sale loyalty", 90, "Onboarding, care and keeping the customer."),
    ("repeat_sales", "Repeat sales", 100, "Selling again to existing customers."),
]

# stage: (marketing, sales, management)
RACI = {
    "audience_analysis": ("R", "R", "A"),
    "positioning": ("R", "R", "A"),
    "campaigns": ("R", "C", "A"),
    "inbound_requests": ("I", "R", "A"),
    "proposal": ("R", "R", "A"),
    "meeting": ("I", "R", "A"),
    "negotiation": ("C", "R", "A"),
    "contract": ("I", "R", "A"),
    "loyalty": ("R", "C", "A"),
    "repeat_sales": ("C", "R", "A"),
}
DEPARTMENTS = ("marketing", "sales", "management")

# stage, from, to, what, sign-off by ("" = none). No default hand-off blocks a deal.
HANDOFFS = [
    (
        "audience_analysis",
        "sales",
        "marketing",
        "Customer interviews and lost-deal reasons for the audience portrait",
        "",
    ),
    (
        "positioning",
        "marketing",
        "sales",
        "Positioning, value proposition and key arguments",
        "sales",
    ),
    (
        "campaigns",
        "marketing",
        "sales",
        "Campaign calendar, offers and landing pages before launch",
        "",
    ),
    (
        "inbound_requests",
        "marketing",
        "sales",
        "Leads that meet the agreed definition, with their source",
        "",
    ),
    ("proposal", "marketing", "sales", "Proposal template, case studies, price arguments", ""),
    ("negotiation", "marketing", "sales", "Answers and materials for common objections", ""),
    ("loyalty", "sales", "marketing", "The won customer, contacts and context for onboarding", ""),
    ("repeat_sales", "marketing", "sales", "Customers ready for a repeat purchase", ""),
]

# department, reports to, about, cadence
REPORTING = [
    ("marketing", "management", "Leads, cost per lead and lead-to-deal rate per channel", "weekly"),
    ("sales", "management", "Pipeline by stage, won revenue and first-response SLA", "weekly"),
    ("sales", "marketing", "Lead quality feedback and reasons deals were lost", "weekly"),
    ("marketing", "sales", "Campaign calendar and new sales materials", "monthly"),
]


def ensure_matrix_defaults(apps: Any = global_apps, using: str = "default") -> None:
    """Create the default matrix when there is none (a fresh install, a flushed database);
    a matrix managers have edited is left as it is."""
    FunnelStage = apps.get_model("org", "FunnelStage")
    Responsibility = apps.get_model("org", "Responsibility")
    HandOff = apps.get_model("org", "HandOff")
    ReportingLine = apps.get_model("org", "ReportingLine")
    if not ReportingLine.objects.using(using).exists():
        for department, reports_to, subject, cadence in REPORTING:
            ReportingLine.objects.using(using).create(
                department=department, reports_to=reports_to, subject=subject, cadence=cadence
            )
    if FunnelStage.objects.using(using).exists():
        return
    stages = {}
    for code, name, order, description in STAGES:
        stages[code], _ = FunnelStage.objects.using(using).get_or_create(
            code=code, defaults={"name": name, "order": order, "description": description}
        )
        for department, letter in zip(DEPARTMENTS, RACI[code], strict=True):
            Responsibility.objects.using(using).get_or_create(
                stage=stages[code], department=department, defaults={"letter": letter}
            )
    for code, source, target, what, approver in HANDOFFS:
        HandOff.objects.using(using).get_or_create(
            stage=stages[code],
            from_department=source,
            to_department=target,
            defaults={"what": what, "approver": approver},
        )
