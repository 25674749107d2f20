"""``LeadInputSerializer``'s plain path gives the values DRF's fields give, and is the one
taken by ordinary intake data (every intake path validates through it)."""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from leads.inputs import LeadInputSerializer

FIELDS = list(LeadInputSerializer._declared_fields)


def drf_fields(data: Any) -> dict[str, Any] | None:
    """DRF's own field machinery (the serializer's parent class), None when it refuses."""
    try:
        return serializers.Serializer.to_internal_value(LeadInputSerializer(), data)
    except serializers.ValidationError:
        return None


TEXT = st.one_of(
    st.text(max_size=8),
    st.text(alphabet=st.sampled_from(" \t\n\u00a0\u200b\u202e\x00\ud800aЖ@.+7-"), max_size=6),
    st.sampled_from(
        [
            "",
            "   ",
            "Ivan",
            " ivan@Example.RU ",
            "a@b",
            "8 (916) 123-45-67",
            "+7 916 123 45 67",
            "12",
            "x" * 50,
            "x" * 51,
            "x" * 200,
            "x" * 201,
            "website",
            "true",
        ]
    ),
)
VALUE = st.one_of(TEXT, st.integers(-2, 2), st.booleans(), st.none(), st.floats(0, 1), st.just([]))


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(st.sampled_from([*FIELDS, "website", "extra"]), VALUE, max_size=8))
def test_the_plain_path_gives_what_drfs_fields_give(data):
    plain = LeadInputSerializer()._plain_fields(data)
    if plain is not None:
        assert plain == drf_fields(data)


@pytest.mark.parametrize(
    "data",
    [
        {"name": "Ivan", "email": "IVAN@example.ru", "channel": "website"},
        {"name": " Anna ", "phone": "8 (916) 123-45-67", "consent": True, "need": "A demo"},
        {
            "name": "Lead 1",
            "company": "Company 1",
            "need": "",
            "segment": "smb",
            "channel": "bench",
            "utm_source": "bench",
            "utm_medium": "cpc",
            "utm_campaign": "wave-1",
            "email": "  LEAD1@INTAKE.BENCH.EXAMPLE ",
            "phone": "8 (910) 000-00-01",
            "website": "",
        },
    ],
)
def test_ordinary_intake_data_takes_the_plain_path(data):
    plain = LeadInputSerializer()._plain_fields(data)
    assert plain is not None
    assert plain == drf_fields(data)


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "email": "a@b.ru"},  # blank name: DRF words the error
        {"name": "Ivan", "email": "not an e-mail"},
        {"name": "Ivan", "phone": 79161234567},  # a number: DRF turns it into text
        {"name": "Ivan\x00", "email": "a@b.ru"},
        {"name": "Ivan", "consent": "yes"},
        ["not", "a", "dict"],
    ],
)
def test_anything_else_is_left_to_drf(data):
    assert LeadInputSerializer()._plain_fields(data) is None
