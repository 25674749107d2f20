from django.db import migrations


def forwards(apps, schema_editor):
    from deals.defaults import ensure_defaults

    ensure_defaults(apps, schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("deals", "0003_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
