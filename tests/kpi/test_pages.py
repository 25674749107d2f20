"""Report pages: who sees them, what they show, CSV downloads, bad input, query counts."""

import csv
import io

import pytest

from tests.conftest import count_queries
from tests.factories import UserFactory
from tests.kpi.conftest import MARCH

pytestmark = pytest.mark.django_db

PAGES = ["/reports/", "/reports/rejections/", "/reports/sla/", "/reports/speed-to-lead/"]


def read_csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_pages_need_login(client):
    for url in [*PAGES, "/reports/campaigns/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["marketing", "sales", "management"])
def test_everyone_logged_in_reads_the_reports(client, funnel_data, role):
    client.force_login(UserFactory(role=role))
    for url in PAGES:
        response = client.get(url, MARCH)
        assert response.status_code == 200, url
        assert b"<svg" in response.content, url
    nav = client.get("/reports/").content
    assert b'href="/reports/"' in nav
    assert (b'href="/reports/campaigns/"' in nav) is (role != "sales")


def test_funnel_page_shows_groups_totals_and_costs(client, manager, funnel_data):
    client.force_login(manager)
    response = client.get("/reports/", {**MARCH, "group_by": "campaign"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Spring" in body and "Brand" in body and "No campaign" in body
    assert "333.33" in body  # spring's cost per lead
    assert "650.50" in body  # total revenue
    assert "44.4%" in body  # 4 deals of 9 leads
    assert "12 min 0 s" in body  # the median first response, 720 s


def test_funnel_csv_matches_the_report(client, manager, funnel_data):
    client.force_login(manager)
    response = client.get("/reports/", {**MARCH, "group_by": "channel", "export": "csv"})
    rows = read_csv(response)
    assert response["Content-Disposition"] == (
        'attachment; filename="funnel-channel-2025-03-01-2025-03-31.csv"'
    )
    header, ads, seo, total = rows
    assert header[:3] == ["Key", "Group", "Leads"]
    data = dict(zip(header, ads, strict=True))
    assert (data["Key"], data["Leads"], data["Deals"], data["Revenue"]) == (
        "ads",
        "5",
        "3",
        "650.50",
    )
    assert data["Median first response"] == "7 min 30 s"  # not 450.0 seconds
    assert dict(zip(header, seo, strict=True))["SLA met rate"] == "0.0%"
    assert (total[1], total[2]) == ("Total", "9")
    # Undefined figures are empty cells, not zeros.
    assert dict(zip(header, total, strict=True))["Cost"] == ""


def test_csv_cells_cannot_become_formulas(client, manager, funnel_data):
    """Names come from outside (campaign names, lead names): a leading = + - @ or tab is
    escaped with an apostrophe; numbers we computed, even negative, stay numbers."""
    funnel_data.spring.name = '=HYPERLINK("http://evil")'
    funnel_data.spring.save()
    funnel_data.brand.name = "-2+3"
    funnel_data.brand.save()
    funnel_data.ads.name = "@SUM(A1)"
    funnel_data.ads.save()
    funnel_data.seo.name = "\tTabbed"
    funnel_data.seo.save()
    client.force_login(manager)
    rows = read_csv(client.get("/reports/", {**MARCH, "group_by": "campaign", "export": "csv"}))
    labels = [row[1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in labels
    assert "'-2+3" in labels
    roi = rows[0].index("ROI")
    assert [row[roi] for row in rows if row[1].startswith("'=")] == ["-40.0%"]
    channel_rows = read_csv(client.get("/reports/", {**MARCH, "export": "csv"}))
    assert sorted(row[1] for row in channel_rows[1:]) == ["'\tTabbed", "'@SUM(A1)", "Total"]


def test_csv_for_russian_excel_uses_semicolons_and_decimal_commas(client, manager, funnel_data):
    client.force_login(manager)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/reports/"})
    response = client.get("/reports/", {**MARCH, "group_by": "channel", "export": "csv"})
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    header, ads = rows[0], rows[1]
    data = dict(zip(header, ads, strict=True))
    assert data["Выручка"] == "650,50"
    assert data["Медиана первого ответа"] == "7 мин 30 с"  # noqa: RUF001
    rate = data["Конверсия лида в сделку"]
    assert rate.endswith("%") and "," in rate  # e.g. "60,0%"
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_other_csv_exports(client, marketer, funnel_data):
    client.force_login(marketer)
    rows = read_csv(client.get("/reports/rejections/", {**MARCH, "export": "csv"}))
    assert rows[1][:8] == ["ads", "Ads", "5", "2", "no_need", rows[1][5], "1", "50.0%"]
    assert [r[4] for r in rows[1:]] == ["no_need", "not_target", "no_need", "no_need", "not_target"]
    rows = read_csv(client.get("/reports/speed-to-lead/", {**MARCH, "export": "csv"}))
    assert [r[0] for r in rows[1:]] == [
        "under_5m",
        "5m_30m",
        "30m_1h",
        "1h_24h",
        "over_24h",
        "never",
        "total",
    ]
    assert rows[1][2:6] == ["1", "1", "1", "100.0%"]
    rows = read_csv(client.get("/reports/sla/", {**MARCH, "group_by": "owner", "export": "csv"}))
    assert [r[1] for r in rows[1:]] == ["Anna Sales", "Boris Sales", "Unassigned", "Total"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"group_by": "colour"}, "Unknown grouping"),
        ({"from": "2025-02-30"}, "is not a calendar date"),
        ({"to": "31.03.2025"}, "YYYY-MM-DD"),
        ({"from": "2025-04-01", "to": "2025-03-01"}, "start date is after the end date"),
        ({"from": "2000-01-01", "to": "2025-01-01"}, "at most 3660 days"),
        ({"channel": "nope"}, "Unknown channel"),
    ],
)
def test_bad_filters_are_a_400_page_with_the_reason(client, manager, params, message):
    client.force_login(manager)
    for url in ["/reports/", "/reports/sla/", "/reports/rejections/"]:
        if url == "/reports/sla/" and params.get("group_by") == "colour":
            continue
        response = client.get(url, params)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert b"export=csv" not in response.content
    response = client.get("/reports/", {**params, "export": "csv"})
    assert response.status_code == 400


def test_sla_page_accepts_only_channel_or_salesperson(client, manager):
    client.force_login(manager)
    assert client.get("/reports/sla/", {"group_by": "owner"}).status_code == 200
    response = client.get("/reports/sla/", {"group_by": "campaign"})
    assert response.status_code == 400
    assert b"use one of: channel, owner" in response.content


def test_my_campaigns_shows_only_my_leads_and_links_their_trail(client, funnel_data):
    client.force_login(funnel_data.marketer)
    response = client.get("/reports/campaigns/", MARCH)
    assert response.status_code == 200
    body = response.content.decode()
    leads = funnel_data.leads
    for name in ("L1", "L2", "L3"):  # spring is the marketer's campaign
        assert f'href="/leads/{leads[name].pk}/"' in body
    for name in ("L4", "L5", "L7", "L9"):  # brand, no campaign, outside the period
        assert f'href="/leads/{leads[name].pk}/"' not in body
    assert "600.50" in body  # spring's revenue in the campaign funnel
    # The drill-down target shows the whole trail to a marketer.
    trail = client.get(f"/leads/{leads['L1'].pk}/")
    assert trail.status_code == 200
    assert b"Payments" in trail.content


def test_my_campaigns_status_filter_and_csv(client, funnel_data):
    client.force_login(funnel_data.marketer)
    response = client.get("/reports/campaigns/", {**MARCH, "status": "disqualified"})
    body = response.content.decode()
    assert f'href="/leads/{funnel_data.leads["L3"].pk}/"' in body
    assert f'href="/leads/{funnel_data.leads["L1"].pk}/"' not in body
    rows = read_csv(client.get("/reports/campaigns/", {**MARCH, "export": "csv"}))
    header = rows[0]
    by_id = {int(r[0]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(by_id) == {funnel_data.leads[n].pk for n in ("L1", "L2", "L3")}
    l1 = by_id[funnel_data.leads["L1"].pk]
    assert (l1["Campaign"], l1["Deal status"], l1["Paid"], l1["First response"]) == (
        "spring",
        "Won",
        "500.00",
        "1 min 0 s",
    )
    l3 = by_id[funnel_data.leads["L3"].pk]
    assert l3["Disqualification reason"] != "no_need"  # the label people chose, not the code
    assert l3["Status"] == "Disqualified"


def test_my_campaigns_is_not_for_sales(client, seller, manager, funnel_data):
    client.force_login(seller)
    assert client.get("/reports/campaigns/").status_code == 403
    client.force_login(manager)  # management sees every campaign
    body = client.get("/reports/campaigns/", MARCH).content.decode()
    assert f'href="/leads/{funnel_data.leads["L4"].pk}/"' in body


def test_pages_cost_the_same_queries_for_few_and_many_groups(client, manager, funnel_data):
    """Query counts do not grow with groups or rows: the reports are grouped aggregates and
    the lead list is one page with everything joined."""
    from tests.factories import CampaignFactory, ChannelFactory
    from tests.kpi.conftest import at
    from tests.kpi.factories import deal_for, lead_at

    client.force_login(manager)
    urls = [
        ("/reports/", {**MARCH, "group_by": "campaign"}),
        ("/reports/rejections/", {**MARCH, "group_by": "campaign"}),
        ("/reports/sla/", {**MARCH, "group_by": "owner"}),
        ("/reports/speed-to-lead/", MARCH),
        ("/reports/campaigns/", MARCH),
        ("/reports/", {**MARCH, "group_by": "campaign", "export": "csv"}),
        ("/reports/campaigns/", {**MARCH, "export": "csv"}),
    ]
    before = [count_queries(lambda u=url, p=params: client.get(u, p)) for url, params in urls]
    for i in range(6):
        channel = ChannelFactory()
        campaign = CampaignFactory(channel=channel)
        seller = UserFactory(role="sales")
        lead = lead_at(
            at(15 + i),
            touch_after=100 * i,
            qualified=True,
            channel=channel,
            campaign=campaign,
            owner=seller,
            segment=f"s{i}",
        )
        deal_for(lead, payments=(("10.00", at(20)),))
        lead_at(at(15 + i), reason="duplicate", channel=channel, campaign=campaign, owner=seller)
    after = [count_queries(lambda u=url, p=params: client.get(u, p)) for url, params in urls]
    assert [c.queries for c in after] == [c.queries for c in before]
    # Rows: six more campaigns, owners and rejection groups; the speed buckets stay six; on
    # my campaigns twelve more leads under six more campaigns; the CSVs likewise.
    # The funnel and my campaigns also carry the lead-scores table (two and one rows while no
    # model is trained), the same before and after.
    assert [c.rows for c in before] == [5, 3, 3, 6, 8, 4, 5]
    assert [c.rows for c in after] == [11, 9, 9, 6, 26, 10, 17]
