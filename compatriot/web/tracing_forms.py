"""Forms of the family-tracing screens. They only shape HTML: the tracing schemas validate,
exactly as the API does, and their errors come back on these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from compatriot.people.models import Sex
from compatriot.tracing.models import Answer, Outcome, SoughtRelationship
from compatriot.web import labels
from compatriot.web.cases_forms import CONSENT_METHODS, country_choices
from compatriot.web.tracing_labels import choices


class TracingRequestForm(forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=200, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=200, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[], initial=Sex.UNKNOWN)
    birth_date = forms.CharField(
        label=_("Date or year of birth"),
        max_length=10,
        required=False,
        help_text=_("YYYY, YYYY-MM or YYYY-MM-DD"),
    )
    age = forms.IntegerField(
        label=_("Or approximate age"), min_value=0, max_value=120, required=False
    )
    nationality = forms.ChoiceField(label=_("Nationality"), choices=[], required=False)
    phone = forms.CharField(
        label=_("Phone numbers the seeker knew"),
        max_length=200,
        required=False,
        help_text=_("Separate several numbers with commas."),
    )
    last_known_country = forms.ChoiceField(
        label=_("Country where last seen"), choices=[], required=False
    )
    last_known_place = forms.CharField(
        label=_("Place where last seen"), max_length=200, required=False
    )
    relationship = forms.ChoiceField(
        label=_("Who the person sought is to the seeker"), choices=choices(SoughtRelationship)
    )
    circumstances = forms.CharField(
        label=_("How they were separated"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )
    seeker_person_id = forms.ChoiceField(
        label=_("The seeker, if registered"), choices=[], required=False
    )
    seeker_name = forms.CharField(label=_("Name of the seeker"), max_length=200, required=False)
    seeker_contact = forms.CharField(
        label=_("How to reach the seeker"),
        max_length=200,
        required=False,
        help_text=_("Kept encrypted; shown only to your organisation."),
    )

    def __init__(
        self, *args: Any, persons: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        countries = [("", "—"), *country_choices()]
        self.fields["sex"].choices = labels.choices(Sex)  # type: ignore[attr-defined]
        self.fields["nationality"].choices = countries  # type: ignore[attr-defined]
        self.fields["last_known_country"].choices = countries  # type: ignore[attr-defined]
        self.fields["seeker_person_id"].choices = [("", "—"), *(persons or [])]  # type: ignore[attr-defined]

    def schema_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["phones"] = [p.strip() for p in data.pop("phone", "").split(",") if p.strip()]
        return {key: value for key, value in data.items() if value not in ("", None, [])}


class TracingAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("The person's answer"), choices=choices(Answer), widget=forms.RadioSelect
    )
    method = forms.ChoiceField(label=_("How the answer was given"), choices=CONSENT_METHODS)
    note = forms.CharField(
        label=_("Note for your organisation (never shown to the seeker's side)"),
        max_length=200,
        required=False,
    )


class TracingCloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=choices(Outcome))
