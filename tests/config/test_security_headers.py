"""Security headers: Content-Security-Policy without inline scripts, a deny-by-default
Permissions-Policy, and ``Cache-Control: no-store`` on API responses and personal-data files."""

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def directives(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


@pytest.mark.parametrize("path", ["/accounts/login/", "/leads/queue/", "/deals/", "/reports/"])
def test_pages_carry_a_strict_csp(client, seller, path):
    if path != "/accounts/login/":
        client.force_login(seller)
    response = client.get(path)
    assert response.status_code == 200
    csp = directives(response)
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no nonce
    assert csp["style-src-attr"] == ["'unsafe-inline'"]
    assert "'unsafe-inline'" not in csp["style-src-elem"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]


def test_api_docs_get_only_what_swagger_ui_needs(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    csp = directives(response)
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in csp["style-src-elem"]
    assert "data:" in csp["img-src"]
    assert b"<script>" not in response.content  # the start-up script is a file (?script)
    script = client.get("/api/v1/docs/?script")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_templates_have_no_inline_script_style_or_handler():
    """Every template: <script> only with src, no <style> block, no on...= attributes (the
    policy refuses all three)."""
    offenders = []
    for template in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        text = template.read_text()
        for match in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in match.group(0):
                offenders.append(f"{template}: {match.group(0)}")
        offenders += [f"{template}: <style>" for _ in re.finditer(r"<style\b", text)]
        for match in re.finditer(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", text):
            offenders.append(f"{template}: {match.group(0)[:60]}")
    assert offenders == []


def test_permissions_policy_denies_powerful_features(client):
    header = client.get("/accounts/login/")["Permissions-Policy"]
    features = dict(item.split("=") for item in header.split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "clipboard-read"):
        assert features[feature] == "()"
    assert set(features.values()) == {"()"}  # nothing is allowed


def test_authenticated_api_responses_are_not_stored(as_user, seller, make_lead):
    client = as_user(seller)
    for path in ["/api/v1/users/me/", "/api/v1/leads/", "/api/v1/leads/999999/"]:
        response = client.get(path)
        assert "no-store" in response["Cache-Control"], path
        assert "private" in response["Cache-Control"], path


def test_token_and_errors_are_not_stored(api, seller):
    seller.set_password("pass-w0rd-123")
    seller.save()
    token = api.post(
        "/api/v1/auth/token/", {"username": seller.username, "password": "pass-w0rd-123"}
    )
    assert token.status_code == 200
    assert "no-store" in token["Cache-Control"]
    assert "no-store" in api.get("/api/v1/leads/")["Cache-Control"]  # 401


def test_public_schema_may_be_cached(api):
    assert "no-store" not in api.get("/api/v1/schema/").get("Cache-Control", "")


def test_personal_data_export_is_not_stored(as_user, client, manager, make_lead):
    lead = make_lead()
    api_export = as_user(manager).get(f"/api/v1/leads/{lead.pk}/personal-data/")
    assert api_export.status_code == 200
    assert "no-store" in api_export["Cache-Control"]
    client.force_login(manager)
    page_export = client.get(f"/leads/{lead.pk}/personal-data/")
    assert page_export.status_code == 200
    assert "no-store" in page_export["Cache-Control"]
