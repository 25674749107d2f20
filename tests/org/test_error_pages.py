"""The 403/404/500 pages: in the site's look, in the reader's language, with a way back."""

import pytest
from django.contrib.staticfiles import finders
from django.test import RequestFactory
from django.utils import translation

from config.urls import handler500

pytestmark = pytest.mark.django_db


def test_not_found_page_has_the_site_header_and_a_way_back(client, seller):
    client.force_login(seller)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "Page not found" in html
    assert 'class="topbar' in html and 'href="/leads/queue/"' in html  # the usual navigation
    assert 'rel="icon"' in html


def test_not_found_page_in_russian(client, seller):
    client.force_login(seller)
    response = client.get("/no-such-page/", headers={"accept-language": "ru"})
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


def test_forbidden_page_says_why(client, seller):
    client.force_login(seller)
    response = client.get("/settings/api-keys/", headers={"accept-language": "ru"})
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert "Недостаточно прав" in response.content.decode()


def test_server_error_page_needs_no_database_and_is_translated():
    request = RequestFactory().get("/leads/")
    with translation.override("ru"):
        response = handler500(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Что-то пошло не так" in html
    assert 'lang="ru"' in html and 'rel="icon"' in html


def test_favicon_is_vendored_and_linked(client, seller):
    assert finders.find("img/favicon.svg")
    client.force_login(seller)
    assert 'rel="icon" href="/static/img/favicon.svg"' in client.get("/leads/").content.decode()
