"""Protection concerns, cases and referrals for the demo crisis, so that `make demo` shows a
referral mechanism at work: an inbox, open and overdue cases, referrals in every state.

Deterministic for a seed, and loaded once (skipped when the crisis already has concerns). A few
cases are backdated so that the monitoring page has an overdue list to show; that is the only
place where dates are set by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from random import Random

from django.db import transaction
from django.utils import timezone

from compatriot.cases import services
from compatriot.cases.models import Case, Concern
from compatriot.cases.schemas import (
    AssessmentIn,
    CaseCloseIn,
    CaseNoteIn,
    CaseOpenIn,
    ConcernIn,
    ReferralAnswerIn,
    ReferralCompleteIn,
    ReferralIn,
    TriageIn,
)
from compatriot.core.models import Crisis, Organisation, OrganisationKind
from compatriot.core.viewer import Viewer
from compatriot.people.selectors import visible_persons

# (kind, country, place, admin area, description, nationalities)
CONCERNS = [
    (
        "border_discrimination",
        "RO",
        "Siret",
        "Suceava",
        "Students from Nigeria and Ghana were "
        "held back at the crossing while Ukrainian citizens passed.",
        ["NG", "GH"],
    ),
    (
        "extortion",
        "RO",
        "Siret",
        "Suceava",
        "Drivers ask third-country nationals for 300 euros for a seat to Suceava.",
        ["IN", "NP"],
    ),
    (
        "trafficking",
        "RO",
        "Isaccea",
        "Tulcea",
        "A man offers work in Germany to young women "
        "arriving from Odesa and keeps their passports.",
        ["MA", "EG"],
    ),
    (
        "unsafe_shelter",
        "RO",
        "Suceava",
        "Suceava",
        "The sports hall shelter has no lock on the women's showers.",
        ["IN", "AZ"],
    ),
    (
        "denial_of_assistance",
        "RO",
        "Galati",
        "Galati",
        "Food distribution refused to people without Ukrainian passports.",
        ["CM", "ZW"],
    ),
    (
        "detention",
        "RO",
        "Bucharest",
        "Bucharest",
        "Two Nepali workers held at the airport without interpretation.",
        ["NP"],
    ),
    (
        "missing_person",
        "RO",
        "Siret",
        "Suceava",
        "A Moroccan student has not answered her family since crossing.",
        ["MA"],
    ),
    (
        "violence",
        "RO",
        "Tulcea",
        "Tulcea",
        "A group of Egyptian workers was attacked near the ferry.",
        ["EG"],
    ),
]


def demo_cases(
    crisis: Crisis, *, caseworker: Callable[[Organisation], Viewer], seed: int = 7
) -> int:
    """Load the demo concerns and cases once; return how many concerns were created.
    `caseworker(organisation)` gives the demo caseworker who acts for an organisation."""
    if Concern.objects.filter(crisis=crisis).exists():
        return 0
    nrm = Organisation.objects.filter(kind=OrganisationKind.NATIONAL_REFERRAL_MECHANISM).first()
    shelter = Organisation.objects.filter(kind=OrganisationKind.SERVICE_PROVIDER).first()
    ngo = Organisation.objects.filter(kind=OrganisationKind.NGO).first()
    if nrm is None or shelter is None or ngo is None:
        return 0
    rng = Random(seed)
    triager, sheltering = caseworker(nrm), caseworker(shelter)
    persons = list(visible_persons(triager).filter(crisis=crisis).order_by("id")[:200])
    if not persons:
        return 0
    with transaction.atomic():
        for index, (kind, country, place, area, text, nationalities) in enumerate(CONCERNS * 3):
            concern, _key = services.concern_report(
                None,
                data=ConcernIn(
                    crisis_id=crisis.id,
                    kind=kind,
                    description=text,
                    country=country,
                    place_name=place,
                    admin_area=area,
                    people_affected=rng.randint(1, 40),
                    nationalities=nationalities,
                    receiving_organisation_id=nrm.id,
                ),
            )
            if index % 4 == 3:
                continue  # a quarter wait in the inbox
            priority = rng.choice(["critical", "high", "high", "medium", "low"])
            person = persons[index % len(persons)]
            [case] = services.concern_triage(
                triager,
                concern_id=concern.id,
                data=TriageIn(
                    cases=[CaseOpenIn(person_id=person.id, priority=priority, summary=text[:120])]
                ),
            )
            _work(case, index, triager, sheltering, shelter, ngo)
        # Backdate a few open cases so that the monitoring page has an overdue list.
        for case in Case.objects.filter(crisis=crisis, status__in=["open", "assessed"])[:4]:
            Case.objects.filter(id=case.id).update(
                deadline=timezone.now() - dt.timedelta(hours=rng.randint(2, 60))
            )
    return len(CONCERNS) * 3


def _work(
    case: Case,
    index: int,
    triager: Viewer,
    sheltering: Viewer,
    shelter: Organisation,
    ngo: Organisation,
) -> None:
    """Move a case along by a step that depends on its number, to show every state."""
    step = index % 6
    if step == 0:
        return
    services.case_assess(
        triager, case_id=case.id, data=AssessmentIn(assessment="Met at the crossing; stable.")
    )
    services.case_note_add(
        triager, case_id=case.id, data=CaseNoteIn(text="Called back; speaks English and Hausa.")
    )
    if step == 1:
        return
    referral = services.referral_create(
        triager,
        case_id=case.id,
        data=ReferralIn(
            to_organisation_id=shelter.id if step != 5 else ngo.id,
            reason="Safe shelter for the night and onward transport",
            disclosures=["identity", "needs", "location"],
            consent_method="verbal",
        ),
    )
    if step in (2, 5):
        return  # pending
    if step == 3:
        services.referral_answer(
            sheltering,
            referral_id=referral.id,
            data=ReferralAnswerIn(accept=False, reason="No beds left tonight"),
        )
        return
    services.referral_answer(
        sheltering, referral_id=referral.id, data=ReferralAnswerIn(accept=True)
    )
    services.referral_complete(
        sheltering, referral_id=referral.id, data=ReferralCompleteIn(outcome="Sheltered two nights")
    )
    services.case_close(triager, case_id=case.id, data=CaseCloseIn(outcome="service_provided"))
