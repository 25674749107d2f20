"""Link every deal stage to its row of the responsibility matrix (see deals.defaults)."""

from django.db import migrations

from deals.defaults import link_stages_to_matrix


def forwards(apps, schema_editor):
    link_stages_to_matrix(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("deals", "0005_matrix_and_signoffs"), ("org", "0004_matrix_defaults")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
