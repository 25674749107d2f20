"""The default responsibility matrix for a fresh install (see org.matrix_defaults)."""

from django.db import migrations

from org.matrix_defaults import ensure_matrix_defaults


def forwards(apps, schema_editor):
    ensure_matrix_defaults(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("org", "0003_matrix")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
