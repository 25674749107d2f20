"""What a fresh install needs: disqualification reasons, the default lead definition (active,
v1) and the default 5-minute first-response policy.

Run by the data migration and again after every ``migrate`` / ``flush`` (post_migrate), so a
database is never left without them. Idempotent: existing rows are left as they are.
"""

from typing import Any

from django.apps import apps as global_apps
from django.utils import timezone

REASONS = [
    ("not_target", "Not our target audience"),
    ("no_need", "No real need"),
    ("invalid_contacts", "Invalid contacts"),
    ("no_response", "Does not respond"),
    ("duplicate", "Duplicate"),
    ("not_ready", "Not ready to buy"),
    ("competitor", "Competitor or chose a competitor"),
]
CRITERIA = [
    ("target_segment", "Belongs to the target segment"),
    ("real_need", "Has a real need we solve"),
    ("valid_contacts", "Contacts are valid and reachable"),
    ("ready_for_dialog", "Ready for a sales conversation"),
]


def ensure_defaults(apps: Any = global_apps, using: str = "default") -> None:
    Reason = apps.get_model("leads", "DisqualificationReason")
    for code, label in REASONS:
        Reason.objects.using(using).get_or_create(code=code, defaults={"label": label})
    Definition = apps.get_model("leads", "LeadDefinition")
    Criterion = apps.get_model("leads", "LeadCriterion")
    if not Definition.objects.using(using).exists():
        now = timezone.now()
        definition = Definition.objects.using(using).create(
            version=1, status="active", created_at=now, activated_at=now
        )
        Criterion.objects.using(using).bulk_create(
            Criterion(definition=definition, code=code, label=label, required=True, position=i)
            for i, (code, label) in enumerate(CRITERIA)
        )
    Policy = apps.get_model("leads", "SlaPolicy")
    if not Policy.objects.using(using).filter(channel__isnull=True, segment="").exists():
        Policy.objects.using(using).create(name="Default", first_response_minutes=5)
