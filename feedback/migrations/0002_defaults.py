from django.db import migrations


def forwards(apps, schema_editor):
    from feedback.defaults import ensure_defaults

    ensure_defaults(apps, schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
