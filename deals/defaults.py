"""Default pipeline stages and lost reasons (data migration and post_migrate, idempotent).
Stages are only created when there are none: managers may rename or reorder them."""

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
