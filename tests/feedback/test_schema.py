import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_describes_every_feedback_endpoint(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/leads/{id}/feedback/",
        "/api/v1/leads/{id}/dispute/",
        "/api/v1/lead-feedback/",
        "/api/v1/feedback-tags/",
        "/api/v1/feedback/quality/",
        "/api/v1/disputes/{id}/respond/",
        "/api/v1/disputes/{id}/decide/",
        "/api/v1/objections/{id}/heard/",
        "/api/v1/objections/{id}/answers/",
        "/api/v1/objection-answers/{id}/vote/",
        "/api/v1/review-meetings/agenda/",
        "/api/v1/review-meetings/{id}/action-items/",
        "/api/v1/action-items/{id}/done/",
        "/api/v1/briefs/{id}/transition/",
        "/api/v1/briefs/{id}/warn/",
    ):
        assert path in paths, path
    give = paths["/api/v1/leads/{id}/feedback/"]["post"]
    assert "201" in give["responses"]
    body = give["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    rating = schema["components"]["schemas"][body]["properties"]["rating"]
    assert (rating["minimum"], rating["maximum"]) == (1, 5)
    assert (
        "multipart/form-data"
        in paths["/api/v1/objections/{id}/answers/"]["post"]["requestBody"]["content"]
    )


def test_each_workflow_status_is_one_named_enum(api):
    schemas = api.get("/api/v1/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert schemas["DisputeStatusEnum"]["enum"] == [
        "open",
        "accepted",
        "contested",
        "upheld",
        "rejected",
    ]
    assert schemas["BriefStatusEnum"]["enum"] == [
        "draft",
        "approved",
        "in_progress",
        "delivered",
        "accepted",
        "returned",
    ]
