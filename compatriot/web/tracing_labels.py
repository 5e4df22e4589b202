"""Translated labels for the codes of family tracing (see labels.py)."""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from compatriot.tracing.models import (
    Answer,
    MatchStatus,
    NotificationKind,
    Outcome,
    RequestStatus,
    SoughtRelationship,
)

TRACING_LABELS: dict[type[TextChoices], dict[str, Promise]] = {
    RequestStatus: {
        RequestStatus.OPEN: _("Open: searching"),
        RequestStatus.POSSIBLE_MATCH: _("Possible match: the person found is being asked"),
        RequestStatus.CONTACT_CONSENTED: _("The person found agreed to contact"),
        RequestStatus.CLOSED: _("Closed"),
        RequestStatus.WITHDRAWN: _("Withdrawn by the seeker"),
    },
    Outcome: {
        Outcome.REUNITED: _("Reunited or in contact"),
        Outcome.NO_RESULT: _("Closed without a result that can be shared"),
        Outcome.SEEKER_WITHDREW: _("The seeker withdrew the request"),
        Outcome.OTHER: _("Other"),
    },
    SoughtRelationship: {
        SoughtRelationship.SPOUSE: _("Spouse or partner"),
        SoughtRelationship.CHILD: _("Child"),
        SoughtRelationship.PARENT: _("Parent"),
        SoughtRelationship.SIBLING: _("Sibling"),
        SoughtRelationship.GRANDPARENT: _("Grandparent"),
        SoughtRelationship.GRANDCHILD: _("Grandchild"),
        SoughtRelationship.OTHER_RELATIVE: _("Other relative"),
        SoughtRelationship.OTHER: _("Other (friend, guardian, travelling companion)"),
    },
    MatchStatus: {
        MatchStatus.AWAITING_ANSWER: _("Waiting for the person's answer"),
        MatchStatus.CONSENTED: _("The person agreed to contact"),
        MatchStatus.REFUSED: _("The person refused contact"),
        MatchStatus.NOT_THE_PERSON: _("Not the person sought"),
        MatchStatus.LAPSED: _("No longer a candidate"),
    },
    Answer: {
        Answer.CONSENT: _("Agrees to be put in contact"),
        Answer.REFUSE: _("Does not want contact"),
        Answer.NOT_THE_PERSON: _("Is not the person sought"),
    },
    NotificationKind: {
        NotificationKind.POSSIBLE_MATCH: _("A possible match was found"),
        NotificationKind.ANSWER_NEEDED: _("A person you registered may be sought by a relative"),
        NotificationKind.CONTACT_CONSENTED: _("The person found agreed to contact"),
        NotificationKind.REQUEST_CLOSED: _("A tracing request was closed"),
    },
}

KINDS: dict[str, type[TextChoices]] = {
    "status": RequestStatus,
    "outcome": Outcome,
    "relationship": SoughtRelationship,
    "match_status": MatchStatus,
    "answer": Answer,
    "notification": NotificationKind,
}


def choices(kind: type[TextChoices]) -> list[tuple[str, Promise]]:
    return [(str(code), label) for code, label in TRACING_LABELS[kind].items()]


def tracing_label(code: str, kind: str) -> str | Promise:
    return TRACING_LABELS[KINDS[kind]].get(code, code)
