"""Tracing requests and persons as the linkage engine's records, and the engine's ranking of them.

The engine (compatriot.linkage.engine) compares records in the file-mode columns; requests and
persons are turned into those rows here. The bundled model is always used: the persons who
consent to tracing in a crisis are too few, and too skewed, to train on, and one model keeps the
probabilities of a full sweep and of a re-check of newly registered persons comparable. Its prior
is set for the size of the whole population searched, not of the slice compared at one time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from compatriot.linkage.engine import pipeline
from compatriot.linkage.engine.features import prepare
from compatriot.linkage.rows import person_row
from compatriot.people.models import Person
from compatriot.tracing.models import TracingRequest


@dataclass(frozen=True)
class Candidate:
    request_id: uuid.UUID
    person_id: uuid.UUID
    rank: int
    probability: float


def request_row(request: TracingRequest) -> dict[str, str]:
    return {
        "id": str(request.id),
        "given_name": request.given_name,
        "family_name": request.family_name,
        "date_of_birth": request.birth_date,
        "sex": request.sex,
        "nationality": request.nationality,
        "phone": ";".join(request.phones),
    }


@cache
def _bundled() -> dict[str, Any]:
    return pipeline.bundled_model()


def _model_for(compared: int, population: int) -> dict[str, Any]:
    """The bundled model with the prior the engine would give a search of `population` records,
    although only `compared` of them are passed to it (it rescales by the records it is given)."""
    model = dict(_bundled())
    trained = int(model.get("trained_records") or population)
    model["trained_records"] = max(1, round(trained * compared / max(population, 1)))
    return model


def rank(
    requests: Iterable[TracingRequest],
    persons: Iterable[Person],
    *,
    population: int,
    top: int,
    threshold: float,
) -> list[Candidate]:
    """The `top` best persons for each request at `threshold` or above, best first."""
    queries = [(line, request_row(r)) for line, r in enumerate(requests, start=2)]
    against = [(line, person_row(p)) for line, p in enumerate(persons, start=2)]
    if not queries or not against:
        return []
    options = pipeline.Options(memory_limit="1GB", threads=1)
    ranked, _ = pipeline.trace(
        prepare(queries).frame,
        prepare(against).frame,
        top,
        options,
        saved_model=_model_for(len(against), max(population, len(against))),
    )
    found = ranked[ranked["probability"] >= threshold]
    return [
        Candidate(uuid.UUID(query), uuid.UUID(candidate), int(position), float(probability))
        for query, candidate, position, probability in zip(
            found["query_id"],
            found["candidate_id"],
            found["rank"],
            found["probability"],
            strict=True,
        )
    ]
