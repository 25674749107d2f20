"""Codes do not show through (issue 13 item 11): segments and regions by label, filters that
say what they do instead of "---------"."""

import pytest

from leads.labels import region_label, segment_label

pytestmark = pytest.mark.django_db


def test_known_codes_have_labels_and_others_read_well():
    assert (segment_label("mid-market"), segment_label("smb")) == ("Mid-market", "Small business")
    assert (region_label("siberia"), region_label("spb")) == ("Siberia", "Saint Petersburg")
    assert region_label("north-west") == "North west"
    assert segment_label("") == ""


def test_the_lead_page_shows_labels(client, manager, make_lead):
    lead = make_lead(segment="mid-market", region="siberia")
    client.force_login(manager)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Mid-market" in page and "Siberia" in page
    assert ">siberia<" not in page and ">mid-market<" not in page


def test_filters_say_what_they_do(client, manager):
    client.force_login(manager)
    for url in ("/leads/", "/deals/"):
        page = client.get(url).content.decode()
        assert "---------" not in page, url
        assert "All channels" in page, url


def test_labels_in_russian(client, manager, make_lead):
    lead = make_lead(segment="enterprise", region="ural")
    client.force_login(manager)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/leads/"})
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Урал" in page


@pytest.mark.parametrize("language", ["en", "ru"])
def test_status_label_is_get_status_display_in_each_language(language):
    from django.utils import translation

    from leads.labels import status_label
    from leads.models import Lead

    with translation.override(language):
        for status in Lead.Status.values:
            assert status_label(status) == Lead(status=status).get_status_display()
    assert status_label("unknown") == "unknown"
