"""Stored e-mails get their domain in the one form leads.normalize now writes (IDNA UTS #46,
Unicode labels), so a lead stored before matches a later intake of the same address however
its domain was typed. Only addresses whose domain could differ (punycode or non-ASCII) are
read; one that IDNA refuses is left as it is."""

import idna
from django.db import migrations
from django.db.models import Q


def forwards(apps, schema_editor):
    Lead = apps.get_model("leads", "Lead")
    candidates = Lead.objects.filter(Q(email__contains="xn--") | Q(email__regex=r"[^\x00-\x7f]"))
    changed = []
    for lead in candidates.only("pk", "email").iterator(chunk_size=2000):
        local, _, domain = lead.email.rpartition("@")
        try:
            domain = idna.decode(idna.encode(domain, uts46=True))
        except (idna.IDNAError, UnicodeError):
            continue
        email = f"{local}@{domain}"
        if email != lead.email:
            lead.email = email
            changed.append(lead)
    Lead.objects.bulk_update(changed, ["email"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("leads", "0009_lead_names_visible")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
