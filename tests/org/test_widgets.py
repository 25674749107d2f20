"""QuickSelect writes exactly the HTML of Django's Select."""

import pytest
from django import forms

from leads.models import Channel
from org.widgets import QuickSelect

CHOICES = [
    ("", "— any —"),
    ("a", "Plain"),
    ("b&c", 'Quotes " and <tags> & ampersands'),
    (3, "A number"),
    ("Group <one>", [("g1", "In a group"), ("g2", "Also")]),
]


@pytest.mark.parametrize("value", [None, "", "a", "b&c", "3", "g2", "missing"])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_x", "required": True, "disabled": False, "data-x": 'q"uote'}]
)
def test_the_same_html_as_djangos_select(value, attrs):
    django_html = forms.Select(choices=CHOICES).render("x", value, attrs=attrs)
    quick_html = QuickSelect(choices=CHOICES).render("x", value, attrs=attrs)
    assert quick_html == django_html


@pytest.mark.django_db
def test_the_same_html_for_a_model_choice_field():
    Channel.objects.create(name="Fairs & <b>shows</b>", slug="fairs")

    class Django(forms.Form):
        channel = forms.ModelChoiceField(
            Channel.objects.order_by("name"), to_field_name="slug", required=False
        )

    class Quick(forms.Form):
        channel = forms.ModelChoiceField(
            Channel.objects.order_by("name"),
            to_field_name="slug",
            required=False,
            widget=QuickSelect,
        )

    for data in (None, {"channel": "fairs"}, {"channel": "nope"}):
        assert str(Quick(data)["channel"]) == str(Django(data)["channel"])
    assert "Fairs &amp; &lt;b&gt;shows&lt;/b&gt;" in str(Quick()["channel"])
