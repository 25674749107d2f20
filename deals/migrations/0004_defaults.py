"""Default pipeline stages and lost reasons for a fresh install."""

from django.db import migrations

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


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias
    Stage = apps.get_model("deals", "DealStage")
    for code, name, order in STAGES:
        Stage.objects.using(db).get_or_create(code=code, defaults={"name": name, "order": order})
    Reason = apps.get_model("deals", "LostReason")
    for code, label in LOST_REASONS:
        Reason.objects.using(db).get_or_create(code=code, defaults={"label": label})


class Migration(migrations.Migration):
    dependencies = [("deals", "0003_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
