"""Default pipeline stages and lost reasons (data migration and post_migrate, idempotent).
Stages are only created when there are none: managers may rename or reorder them. Every stage
is linked to its row of the responsibility matrix (org), created when missing."""

from typing import Any

from django.apps import apps as global_apps

STAGES = [
    ("proposal", "Commercial proposal", 10),
    ("meeting", "Meeting", 20),
    ("negotiation", "Negotiation", 30),
    ("contract", "Contract", 40),
]
LOST_REASONS = [
    ("price", "Price"),
    ("competitor", "Chose a competitor"),
    ("no_budget", "No budget"),
    ("no_decision", "No decision"),
    ("timing", "Timing"),
]


def ensure_defaults(apps: Any = global_apps, using: str = "default") -> None:
    Stage = apps.get_model("deals", "DealStage")
    if not Stage.objects.using(using).exists():
        Stage.objects.using(using).bulk_create(
            Stage(code=code, name=name, order=order) for code, name, order in STAGES
        )
    Reason = apps.get_model("deals", "LostReason")
    for code, label in LOST_REASONS:
        Reason.objects.using(using).get_or_create(code=code, defaults={"label": label})


# A stage linked for the first time gets these settings (a signed contract does not go back).
NO_MOVING_BACK = {"contract"}
# The letters of a matrix row created for a stage that has none: a sales stage.
NEW_ROW_LETTERS = {"marketing": "I", "sales": "R", "management": "A"}


def link_stages_to_matrix(apps: Any = global_apps, using: str = "default") -> None:
    """Give every deal stage without a matrix row the row with its code (default stages
    share their codes with the default matrix), or a new sales row."""
    Stage = apps.get_model("deals", "DealStage")
    FunnelStage = apps.get_model("org", "FunnelStage")
    Responsibility = apps.get_model("org", "Responsibility")
    for stage in Stage.objects.using(using).filter(funnel_stage__isnull=True).order_by("order"):
        row = FunnelStage.objects.using(using).filter(code=stage.code, deal_stage=None).first()
        if row is None:
            code = stage.code
            if FunnelStage.objects.using(using).filter(code=code).exists():
                code = f"deal-{stage.code}"[:50]
            row = FunnelStage.objects.using(using).create(
                code=code, name=stage.name, order=50 + stage.order // 10
            )
            Responsibility.objects.using(using).bulk_create(
                Responsibility(stage=row, department=department, letter=letter)
                for department, letter in NEW_ROW_LETTERS.items()
            )
        stage.funnel_stage = row
        if stage.code in NO_MOVING_BACK:
            stage.allows_moving_back = False
        stage.save(update_fields=["funnel_stage", "allows_moving_back"])
