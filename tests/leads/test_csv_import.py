"""CSV import: validated whole, imported all-or-nothing, the same service everywhere."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from leads.csv_import import leads_import_csv
from leads.models import Lead
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

GOOD = (
    "name,email,phone,company,channel,campaign,segment\n"
    "Ivan Petrov,IVAN@example.ru,,Stroy,website,spring,smb\n"
    "Anna Smirnova,,8 916 123 45 67,,website,,enterprise\n"
)


@pytest.fixture(autouse=True)
def campaign(channel):  # type: ignore[no-untyped-def]
    return CampaignFactory(slug="spring", channel=channel)


def run(text: str | bytes):  # type: ignore[no-untyped-def]
    raw = text.encode() if isinstance(text, str) else text
    return leads_import_csv(file=io.BytesIO(raw), by=None)


def test_good_file_imports_every_row():
    report = run(GOOD)
    assert report.ok
    assert (report.rows, report.created, report.duplicates) == (2, 2, 0)
    ivan = Lead.objects.get(email="ivan@example.ru")
    assert (ivan.campaign.slug, ivan.segment, ivan.source, ivan.status) == (
        "spring",
        "smb",
        "csv",
        "new",
    )
    assert Lead.objects.get(phone="+79161234567").name == "Anna Smirnova"


def test_semicolon_separated_with_bom_and_blank_lines():
    text = "\ufeffname;email;channel\nIvan;ivan@example.ru;website\n\n;;\n"
    report = run(text)
    assert report.ok and report.created == 1


def test_repeats_inside_the_file_and_of_open_leads_are_recorded_not_created():
    run(GOOD)
    report = run(GOOD + "Ivan again,ivan@EXAMPLE.ru,,,website,,\n")
    assert report.ok
    assert (report.created, report.duplicates) == (0, 3)
    assert Lead.objects.count() == 2
    assert Lead.objects.get(email="ivan@example.ru").duplicate_requests == 2


def test_one_bad_row_imports_nothing_and_reports_row_field_message():
    text = GOOD + "Bad,not-an-email,,,website,,\nNo contact,,,,website,,\nX,x@y.ru,,,nowhere,,\n"
    report = run(text)
    assert not report.ok
    assert Lead.objects.count() == 0
    found = {(e.row, e.field) for e in report.errors}
    assert found == {(4, "email"), (5, "non_field_errors"), (6, "channel")}
    assert all(e.message for e in report.errors)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (
            "name,email,channel\nIvan,ivan@example.ru,website\n".encode("cp1251")
            + "Иван,x@y.ru,website\n".encode("cp1251"),
            "file",
        ),
        (b"", "header"),
        (b"email,channel\nx@y.ru,website\n", "header"),
        (b"name,channel\nIvan,website\n", "header"),
        (b"name,email,channel,favourite_colour\nI,i@x.ru,website,red\n", "header"),
        (b"name,email,channel\n", "file"),
        (b"name,email,channel\nIvan,i@x.ru,website,extra\n", "row"),
        (b"name,email,channel\nIv\x00an,i@x.ru,website\n", "file"),
    ],
)
def test_malformed_files_are_reported_and_nothing_is_imported(raw, field):
    report = run(raw)
    assert not report.ok
    assert report.errors[0].field == field
    assert Lead.objects.count() == 0


def test_row_limit(settings):
    settings.CSV_IMPORT_MAX_ROWS = 2
    report = run(GOOD + "C,c@x.ru,,,website,,\n")
    assert not report.ok
    assert Lead.objects.count() == 0


def test_command_imports_and_fails_loudly(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    out = io.StringIO()
    call_command("import_leads", str(good), stdout=out)
    assert "Imported 2 new leads" in out.getvalue()

    bad = tmp_path / "bad.csv"
    bad.write_text("name,email,channel\nX,bad,website\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_leads", str(bad), stderr=err)
    assert "row 2, email" in err.getvalue()
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_leads", str(tmp_path / "missing.csv"))


def test_import_page_shows_the_report(client, marketer):
    client.force_login(marketer)
    upload = io.BytesIO(b"name,email,channel\nX,bad,website\n")
    upload.name = "leads.csv"
    response = client.post("/leads/import/", {"file": upload})
    assert response.status_code == 400
    assert b"Nothing was imported" in response.content
    assert Lead.objects.count() == 0

    upload = io.BytesIO(GOOD.encode())
    upload.name = "leads.csv"
    response = client.post("/leads/import/", {"file": upload}, follow=True)
    assert response.status_code == 200
    assert Lead.objects.count() == 2


def test_import_page_is_for_marketing_and_management(client, seller):
    client.force_login(seller)
    assert client.get("/leads/import/").status_code == 403


def test_admin_import_uses_the_same_service(client, marketer):
    marketer.is_staff = True
    marketer.save()
    client.force_login(marketer)
    upload = io.BytesIO(GOOD.encode())
    upload.name = "leads.csv"
    response = client.post("/admin/leads/lead/import/", {"file": upload})
    assert response.status_code == 200
    assert Lead.objects.filter(source="csv").count() == 2
