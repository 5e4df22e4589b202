"""Forms of the concern, case and referral screens. They only shape HTML: the schemas of the
cases app validate, exactly as the API does, and their errors come back on these fields."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry
from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from compatriot.cases.models import (
    CaseOutcome,
    CasePriority,
    ConcernKind,
    Disclosure,
)
from compatriot.people.models import ConsentMethod
from compatriot.web.cases_labels import choices


@cache
def _countries(language: str) -> list[tuple[str, str]]:
    names = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )
    found = [(c.alpha_2, names.gettext(c.name)) for c in pycountry.countries]
    return sorted(found, key=lambda item: item[1].casefold())


def country_choices() -> list[tuple[str, str]]:
    """Every country, named in the page's language."""
    return _countries(get_language() or "en")


CONSENT_METHODS = [
    (ConsentMethod.VERBAL, _("Verbal, recorded by me")),
    (ConsentMethod.WRITTEN, _("Written")),
    (ConsentMethod.GUARDIAN, _("Given by a parent or guardian")),
]


class ConcernForm(forms.Form):
    """The public concern form: short, no JavaScript, nothing shown back."""

    kind = forms.ChoiceField(label=_("What happened?"), choices=choices(ConcernKind))
    description = forms.CharField(
        label=_("Describe what happened"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text=_("Do not write names or phone numbers of other people here."),
    )
    country = forms.ChoiceField(label=_("Country"), choices=[])
    place_name = forms.CharField(label=_("Town or border crossing"), max_length=200, required=False)
    occurred_on = forms.DateField(
        label=_("When did it happen?"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    people_affected = forms.IntegerField(
        label=_("How many people were affected?"), min_value=1, max_value=100_000, initial=1
    )
    nationalities = forms.MultipleChoiceField(
        label=_("Their nationalities"), choices=[], required=False, widget=forms.SelectMultiple
    )
    reporter_contact = forms.CharField(
        label=_("How can we reach you? (optional)"),
        max_length=200,
        required=False,
        help_text=_("Leave this empty to report anonymously."),
    )
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        countries = country_choices()
        self.fields["country"].choices = [("", "—"), *countries]  # type: ignore[attr-defined]
        self.fields["nationalities"].choices = countries  # type: ignore[attr-defined]


class FollowForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=20)
    follow_key = forms.CharField(label=_("Private key"), max_length=100)


class TriageForm(forms.Form):
    person = forms.ChoiceField(label=_("Person concerned"), choices=[], required=False)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=choices(CasePriority), initial=CasePriority.MEDIUM
    )
    summary = forms.CharField(label=_("Summary"), max_length=200, required=False)
    close_reason = forms.CharField(
        label=_("Or close the concern without a case, because"), max_length=200, required=False
    )
    public_note = forms.CharField(
        label=_("Note for the person who reported (no personal data)"),
        max_length=200,
        required=False,
    )


class AssessForm(forms.Form):
    assessment = forms.CharField(
        label=_("Assessment"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=choices(CasePriority))


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("New note (seen by the case team only)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=choices(CaseOutcome))


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why reopen?"), max_length=200)


class ReferralForm(forms.Form):
    to_organisation_id = forms.ChoiceField(label=_("Refer to"), choices=[], required=False)
    to_service_id = forms.ChoiceField(
        label=_("Or to a service of the directory"), choices=[], required=False
    )
    reason = forms.CharField(label=_("Reason for the referral"), max_length=200)
    disclosures = forms.MultipleChoiceField(
        label=_("What the person agreed to share"),
        choices=choices(Disclosure),
        widget=forms.CheckboxSelectMultiple,
        initial=[Disclosure.IDENTITY, Disclosure.NEEDS],
    )
    consent_method = forms.ChoiceField(label=_("How consent was given"), choices=CONSENT_METHODS)


class TransferForm(forms.Form):
    to_organisation_id = forms.ChoiceField(label=_("Transfer to"), choices=[])
    reason = forms.CharField(label=_("Reason for the transfer"), max_length=200)
    consent_method = forms.ChoiceField(label=_("How consent was given"), choices=CONSENT_METHODS)


class AnswerForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("yes", _("Accept")), ("no", _("Decline"))],
        coerce=lambda value: value == "yes",
    )
    reason = forms.CharField(label=_("Reason, if you decline"), max_length=200, required=False)


class CompleteForm(forms.Form):
    outcome = forms.CharField(label=_("What was done"), max_length=200)


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "assess": AssessForm,
    "note": NoteForm,
    "close": CloseForm,
    "reopen": ReopenForm,
    "refer": ReferralForm,
    "transfer": TransferForm,
}
