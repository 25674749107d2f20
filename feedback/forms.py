"""Forms of the feedback pages. They only parse input; the services decide and save."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback import selectors
from feedback.models import RATING_MAX, RATING_MIN, Brief, Dispute, Objection
from feedback.rollups import GROUPS
from feedback.services.disputes import DECISIONS, RESPONSES
from org.inputs import StoredDateFormField, parse_id
from org.models import Role, User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _check_ids(values: Any) -> None:
    """Ids must be whole numbers a column can hold: SQLite raises on bigger ones instead of
    finding nothing, which would turn a tampered form into a 500."""
    for value in values:
        text = str(value).strip()
        try:
            parse_id(text)
        except ValueError:
            raise forms.ValidationError(
                _("%(value)s is not a valid choice.") % {"value": text}
            ) from None


class IdChoiceField(forms.ModelChoiceField):
    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values:
            _check_ids([value])
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value: Any) -> Any:
        _check_ids(value)
        return super()._check_values(value)  # type: ignore[misc]


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        choices=[(n, str(n)) for n in range(RATING_MAX, RATING_MIN - 1, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    tags = forms.MultipleChoiceField(
        label=_("Reasons"), required=False, widget=forms.CheckboxSelectMultiple
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=5000, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = [(t.code, t.label) for t in selectors.tag_list()]  # type: ignore[attr-defined]


class DisputeForm(forms.Form):
    unmet_criteria = forms.MultipleChoiceField(
        label=_("Criteria the lead does not meet"), widget=forms.CheckboxSelectMultiple
    )
    comment = forms.CharField(
        label=_("Why"), required=False, max_length=5000, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args: Any, criteria: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unmet_criteria"].choices = criteria  # type: ignore[attr-defined]


class RespondForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Marketing's answer"),
        choices=[
            (code, label)
            for code, label in zip(RESPONSES, (_("Accept"), _("Contest")), strict=True)
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=5000, widget=forms.Textarea({"rows": 2})
    )


# Said so that nobody gets the decision backwards (who is right, and what it means).
DECISION_WORDS = {
    "upheld": _("Sales is right: not a lead"),
    "rejected": _("Marketing is right: the lead stands"),
}


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(code, DECISION_WORDS[code]) for code in DECISIONS],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), max_length=5000, widget=forms.Textarea({"rows": 2}))


class ObjectionForm(forms.Form):
    text = forms.CharField(label=_("What the customer says"), max_length=300)
    category = forms.ChoiceField(label=_("Category"), choices=Objection.Category.choices)


class HeardForm(forms.Form):
    """Record an objection heard: one from the library, or a new one typed in."""

    objection = IdChoiceField(
        label=_("Objection"), queryset=Objection.objects.none(), required=False
    )
    new_text = forms.CharField(label=_("…or a new one"), max_length=300, required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=Objection.Category.choices, required=False
    )
    touch = forms.TypedChoiceField(
        label=_("At touch"), required=False, coerce=int, empty_value=None
    )
    note = forms.CharField(label=_("Note"), max_length=5000, required=False)

    def __init__(self, *args: Any, touches: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objection"].queryset = Objection.objects.filter(is_active=True).order_by(  # type: ignore[attr-defined]
            "category", "text"
        )
        self.fields["touch"].choices = [("", "—"), *touches]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("objection") and not (data.get("new_text") or "").strip():
            raise forms.ValidationError(_("Choose an objection or type a new one."))
        return data


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Answer"), max_length=5000, widget=forms.Textarea({"rows": 3}))
    link = forms.CharField(label=_("Link"), max_length=500, required=False)
    file = forms.FileField(label=_("File"), required=False)


class QualityFilterForm(forms.Form):
    group_by = forms.ChoiceField(
        label=_("Per"),
        choices=[("campaign", _("Campaign")), ("form", _("Web form")), ("channel", _("Channel"))],
        required=False,
    )
    date_from = forms.DateField(label=_("Leads from"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("to"), required=False, widget=DATE)
    mine = forms.BooleanField(label=_("Only my campaigns"), required=False)

    def group(self) -> str:
        value = self.cleaned_data.get("group_by") if self.is_valid() else ""
        return value if value in GROUPS else "campaign"


class DisputeFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Undecided")), ("all", _("All")), *Dispute.Status.choices],
        required=False,
    )
    awaiting = forms.BooleanField(label=_("Waiting for me"), required=False)


class MeetingForm(forms.Form):
    held_on = StoredDateFormField(label=_("Held on"), widget=DATE)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    participants = IdMultipleChoiceField(
        label=_("Participants"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    deals = forms.MultipleChoiceField(
        label=_("Deals reviewed"), required=False, widget=forms.CheckboxSelectMultiple
    )
    objections = IdMultipleChoiceField(
        label=_("Objections discussed"),
        queryset=Objection.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=20000, required=False, widget=forms.Textarea({"rows": 4})
    )

    def __init__(self, *args: Any, deal_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            is_active=True, role__in=Role.values
        ).order_by("role", "username")
        self.fields["deals"].choices = deal_choices  # type: ignore[attr-defined]
        self.fields["objections"].queryset = Objection.objects.filter(is_active=True)  # type: ignore[attr-defined]


ITEM_ROWS = 4  # blank decision rows on the meeting form


class ActionItemForm(forms.Form):
    # The meeting form has several blank rows and a meeting may decide nothing: the browser
    # must not demand every row (the view checks each row that was filled in).
    use_required_attribute = False

    text = forms.CharField(label=_("Decision"), max_length=500)
    owner = IdChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_on = StoredDateFormField(label=_("Due"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).order_by("username")  # type: ignore[attr-defined]
        # The rows sit in a table under one heading each: name every field for screen readers.
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = str(field.label)


class BriefForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    goal = forms.CharField(
        label=_("Goal: what should change for sales"),
        max_length=5000,
        widget=forms.Textarea({"rows": 3}),
    )
    requirements = forms.CharField(
        label=_("Requirements"),
        max_length=20000,
        required=False,
        widget=forms.Textarea({"rows": 5}),
    )
    due_on = StoredDateFormField(label=_("Due"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["due_on"].widget.attrs["min"] = timezone.localdate().isoformat()


class BriefFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Brief.Status.choices], required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
