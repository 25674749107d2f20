"""What a fresh install needs to work: disqualification reasons, the default lead definition
(active, v1) and the default 5-minute first-response policy."""

from django.db import migrations
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


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias
    Reason = apps.get_model("leads", "DisqualificationReason")
    for code, label in REASONS:
        Reason.objects.using(db).get_or_create(code=code, defaults={"label": label})
    Definition = apps.get_model("leads", "LeadDefinition")
    Criterion = apps.get_model("leads", "LeadCriterion")
    if not Definition.objects.using(db).exists():
        now = timezone.now()
        definition = Definition.objects.using(db).create(
            version=1, status="active", created_at=now, activated_at=now
        )
        for position, (code, label) in enumerate(CRITERIA):
            Criterion.objects.using(db).create(
                definition=definition, code=code, label=label, required=True, position=position
            )
    Policy = apps.get_model("leads", "SlaPolicy")
    Policy.objects.using(db).get_or_create(
        channel=None, segment="", defaults={"name": "Default", "first_response_minutes": 5}
    )


class Migration(migrations.Migration):
    dependencies = [("leads", "0002_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
