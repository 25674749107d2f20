"""The OpenAPI schema says what the server answers (config/schema.py): error responses are
documented on every operation, read-only nullable fields are nullable, and the patterns and
bounds match what the server accepts. tests/test_api_fuzz.py checks the same against the live
server; these pin each fix down."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():  # type: ignore[no-untyped-def]
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):  # type: ignore[no-untyped-def]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_documents_its_errors(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        parameters = operation.get("parameters", [])
        public = not operation.get("security") or {} in operation["security"]
        if not public:
            assert {"401", "403"} <= set(responses), (method, path)
        if any(p["in"] == "path" for p in parameters):
            assert "404" in responses, (method, path)
        if operation.get("requestBody") or any(p["in"] == "query" for p in parameters):
            assert "400" in responses, (method, path)
        for code, response in responses.items():
            if code.startswith("4"):
                assert "content" in response, (method, path, code)


def test_throttled_and_conflicting_operations(schema):
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert "Retry-After" in token["429"]["headers"]
    assert "429" in schema["paths"]["/api/v1/intake/{form_slug}/"]["post"]["responses"]
    assert "409" in schema["paths"]["/api/v1/leads/claim/"]["post"]["responses"]
    assert "429" not in schema["paths"]["/api/v1/leads/"]["get"]["responses"]


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("Lead", "deal"),  # a method field annotated "-> int | None"
        ("Lead", "owner"),
        ("Lead", "campaign"),
        ("Lead", "definition_version"),  # through a nullable foreign key
        ("Brief", "approved_by"),
        ("Dispute", "decided_by"),
        ("Deal", "lead"),
        ("Payment", "voided_by"),
    ],
)
def test_read_only_nullable_fields_are_nullable(schema, component, field):
    prop = schema["components"]["schemas"][component]["properties"][field]
    assert prop.get("readOnly")
    assert prop.get("nullable") is True


def test_a_read_only_field_that_is_never_null_stays_so(schema):
    assert not schema["components"]["schemas"]["Lead"]["properties"]["id"].get("nullable")


def test_time_of_day_has_no_offset(schema):
    prop = schema["components"]["schemas"]["SlaPolicy"]["properties"]["business_hours_start"]
    assert "format" not in prop
    assert re.match(prop["pattern"], "09:00:00")
    assert not re.match(prop["pattern"], "25:00")


def test_a_blank_url_may_be_empty(schema):
    prop = schema["components"]["schemas"]["Answer"]["properties"]["link"]
    assert "format" not in prop
    assert {"maxLength": 0} in prop["anyOf"]


def test_decimal_strings_need_a_digit(schema):
    patterns = set()
    for component in schema["components"]["schemas"].values():
        for prop in component.get("properties", {}).values():
            if prop.get("format") == "decimal" and "pattern" in prop:
                patterns.add(prop["pattern"])
    assert patterns
    for pattern in patterns:
        for bad in ("", "-", ".", "-."):
            assert not re.match(pattern, bad), (pattern, bad)
        for good in ("0", "12.5", "-3", ".5"):
            assert re.match(pattern, good), (pattern, good)


def test_query_parameters_say_what_the_server_reads(schema):
    leads = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/leads/"]["get"]["parameters"]}
    assert leads["page_size"]["minimum"] == 1
    assert leads["page"]["minimum"] == 1
    created = leads["created_after"]["anyOf"][0]
    for good in ("2026-01-31", "2026-01-31T10:00", "2026-01-31T10:00:00+03:00"):
        assert re.match(created["pattern"], good)
    for bad in ("1999-01-01", "2026-13-01", "2026-01-31T10:00:00+16:00"):
        assert not re.match(created["pattern"], bad)
    feedback = schema["paths"]["/api/v1/lead-feedback/"]["get"]["parameters"]
    lead = next(p["schema"] for p in feedback if p["name"] == "lead")["anyOf"][0]
    assert lead["type"] == "integer"
    assert lead["minimum"] == 1
    owner = leads["owner"]["anyOf"][0]
    assert re.match(owner["pattern"], "me")
    assert not re.match(owner["pattern"], "someone")
