"""API errors are JSON always, even those Django answers before DRF sees the request."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_body_over_the_upload_limit_is_a_json_413(as_user, manager, settings) -> None:
    body = '{"name": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024) + '"}'
    response = as_user(manager).post("/api/v1/leads/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]
