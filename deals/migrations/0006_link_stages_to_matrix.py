"""Link every deal stage to its row of the responsibility matrix.

The default stages share their codes with the default matrix rows. A stage a manager added
before this migration gets a row of its own: sales responsible, management accountable.
A signed contract does not go back to negotiation: the contract stage only moves forward.
"""

from django.db import migrations

NEW_ROW_LETTERS = {"marketing": "I", "sales": "R", "management": "A"}


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias
    DealStage = apps.get_model("deals", "DealStage")
    FunnelStage = apps.get_model("org", "FunnelStage")
    Responsibility = apps.get_model("org", "Responsibility")
    for stage in DealStage.objects.using(db).filter(funnel_stage__isnull=True):
        row = FunnelStage.objects.using(db).filter(code=stage.code).first()
        if row is None:
            row = FunnelStage.objects.using(db).create(
                code=stage.code, name=stage.name, order=50 + stage.order // 10
            )
            for department, letter in NEW_ROW_LETTERS.items():
                Responsibility.objects.using(db).create(
                    stage=row, department=department, letter=letter
                )
        stage.funnel_stage = row
        stage.save(update_fields=["funnel_stage"])
    DealStage.objects.using(db).filter(code="contract").update(allows_moving_back=False)


class Migration(migrations.Migration):
    dependencies = [("deals", "0005_matrix_and_signoffs"), ("org", "0004_matrix_defaults")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
