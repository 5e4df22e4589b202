"""A registered person as one row of the engine's input format (the file mode's INPUT columns),
shared by the deduplication jobs and family tracing so that both compare persons the same way."""

from __future__ import annotations

from compatriot.people.models import Person, Sex


def person_row(person: Person) -> dict[str, str]:
    birth = ""
    if person.birth_date:
        pattern = {"year": "%Y", "month": "%Y-%m"}.get(person.birth_date_precision, "%Y-%m-%d")
        birth = person.birth_date.strftime(pattern)
    return {
        "id": str(person.id),
        "given_name": person.given_name or person.given_name_latin,
        "family_name": person.family_name or person.family_name_latin,
        "date_of_birth": birth,
        # "other" and "unknown" say nothing the engine can compare
        "sex": person.sex if person.sex in (Sex.FEMALE, Sex.MALE) else "",
        "nationality": person.nationality,
        "phone": ";".join(person.phones or []),
        "place_of_birth": "",
    }
