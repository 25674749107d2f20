"""CSV import as people use it (issue 13 item 11, issue 14 Medium 7 and Low): channels by name
in any case with the allowed values listed, an empty file refused, and large files imported by a
Celery job that the page follows, with the same all-or-nothing result."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from leads import csv_import
from leads.csv_import import import_job_run, import_jobs_sweep, leads_import_csv
from leads.models import ImportJob, Lead
from tests.factories import CampaignFactory, ChannelFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def channels(channel):  # type: ignore[no-untyped-def]
    expo = ChannelFactory(slug="exhibitions", name="Exhibitions")
    CampaignFactory(slug="spring-expo", name="Spring Expo", channel=expo)
    return channel, expo


def run(text: str):  # type: ignore[no-untyped-def]
    return leads_import_csv(file=io.BytesIO(text.encode()), by=None)


def upload(text: str, name: str = "leads.csv") -> io.BytesIO:
    handle = io.BytesIO(text.encode())
    handle.name = name
    return handle


def rows(n: int, *, bad_row: int | None = None) -> str:
    lines = ["name,email,channel"]
    for i in range(n):
        email = "not-an-email" if i == bad_row else f"p{i}@example.ru"
        lines.append(f"Person {i},{email},Exhibitions")
    return "\n".join(lines) + "\n"


def test_channels_and_campaigns_by_name_or_code_in_any_case(channels):
    _, expo = channels
    report = run(
        "name,email,channel,campaign\n"
        "A,a@x.ru,Exhibitions,Spring Expo\n"
        "B,b@x.ru,EXHIBITIONS,spring-expo\n"
        "C,c@x.ru,exhibitions,\n"
        "D,d@x.ru,  website ,\n"
    )
    assert report.ok, report.errors
    assert Lead.objects.filter(channel=expo).count() == 3
    assert Lead.objects.get(name="A").campaign.slug == "spring-expo"  # type: ignore[union-attr]


def test_an_unknown_channel_lists_what_is_allowed():
    report = run("name,email,channel,campaign\nA,a@x.ru,Fairs,\nB,b@x.ru,Exhibitions,Autumn\n")
    messages = {error.field: error.message for error in report.errors}
    assert messages["channel"] == (
        "Unknown channel “Fairs”; use one of: Exhibitions (exhibitions), Website (website)."
    )
    assert messages["campaign"] == (
        "Unknown campaign “Autumn”; use one of: Spring Expo (spring-expo)."
    )
    assert Lead.objects.count() == 0


@pytest.mark.parametrize("content", ["", "\n", "name,email,channel\n"])
def test_an_empty_file_is_a_400_with_the_reason(client, marketer, content):
    client.force_login(marketer)
    response = client.post("/leads/import/", {"file": upload(content)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "empty" in page or "no lead rows" in page
    assert Lead.objects.count() == 0


def test_a_large_file_becomes_a_job_the_page_follows(
    client, marketer, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(csv_import, "INLINE_ROWS", 5)
    monkeypatch.setattr(csv_import, "PROGRESS_EVERY", 4)
    client.force_login(marketer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/leads/import/", {"file": upload(rows(12), "expo.csv")})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/leads/import/jobs/{job.pk}/"
    assert (job.status, job.created, job.total, job.created_by) == ("done", 12, 12, marketer)
    assert job.data == b""  # the file is not kept once imported
    assert Lead.objects.filter(source="csv").count() == 12

    page = client.get(f"/leads/import/jobs/{job.pk}/").content.decode()
    assert "Imported 12 new leads" in page
    assert 'value="100"' in page
    partial = client.get(f"/leads/import/jobs/{job.pk}/", headers={"HX-Request": "true"})
    assert b"<html" not in partial.content
    assert b"hx-trigger" not in partial.content  # finished: the page stops polling


def test_the_job_page_polls_while_the_job_runs(client, marketer):
    job = ImportJob.objects.create(
        created_by=marketer, data=b"x", status="running", total=1000, checked=250
    )
    client.force_login(marketer)
    page = client.get(f"/leads/import/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert 'value="25"' in page
    assert "250 of about 1000 rows checked" in page
    assert "<script>" not in page.replace("<script src=", "")  # no inline script (CSP)


def test_a_job_with_one_bad_row_imports_nothing_and_reports_it(marketer):
    job = csv_import.import_job_create(
        raw=rows(30, bad_row=17).encode(), filename="x.csv", by=marketer
    )
    done = import_job_run(job_id=job.pk)
    assert done is not None
    assert done.status == "failed"
    assert done.errors == [
        {"row": 19, "field": "email", "message": "Enter a valid e-mail address."}
    ]
    assert Lead.objects.count() == 0
    assert import_job_run(job_id=job.pk) is None  # a second delivery does nothing


def test_the_job_reports_progress_while_checking(marketer, monkeypatch):
    monkeypatch.setattr(csv_import, "PROGRESS_EVERY", 10)
    seen: list[tuple[int, int]] = []
    report = leads_import_csv(
        file=io.BytesIO(rows(25).encode()), by=marketer, progress=lambda *a: seen.append(a)
    )
    assert report.ok
    assert seen == [(10, 25), (20, 25)]


def test_only_the_uploader_and_management_see_a_job(client, marketer, manager):
    job = csv_import.import_job_create(raw=rows(3).encode(), filename="x.csv", by=marketer)
    other = UserFactory(role="marketing")
    client.force_login(other)
    assert client.get(f"/leads/import/jobs/{job.pk}/").status_code == 404
    client.force_login(manager)
    assert client.get(f"/leads/import/jobs/{job.pk}/").status_code == 200


def test_the_sweeper_resends_lost_jobs_and_closes_dead_ones(marketer):
    lost = csv_import.import_job_create(raw=rows(3).encode(), filename="lost.csv", by=marketer)
    dead = ImportJob.objects.create(
        created_by=marketer,
        data=b"x",
        status="running",
        started_at=timezone.now() - timedelta(hours=3),
    )
    assert import_jobs_sweep(now=timezone.now() + timedelta(minutes=3)) == 2
    lost.refresh_from_db()
    dead.refresh_from_db()
    assert (lost.status, lost.created) == ("done", 3)  # Celery runs eagerly in the tests
    assert dead.status == "failed"
    assert "worker stopped" in dead.errors[0]["message"]


def test_the_admin_import_refuses_an_empty_file_too(client, marketer):
    client.force_login(marketer)
    response = client.post("/admin/leads/lead/import/", {"file": upload("")})
    assert response.status_code == 400
    assert "empty" in response.content.decode()
