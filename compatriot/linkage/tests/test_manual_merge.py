"""A reviewer's merge follows the group rule's decisions (compatriot.linkage.groups): a merge
that would join two groups between which a reviewer kept two records apart, or undid their
merge, is refused with 409 naming that pair (merging the pair itself reverses the decision);
differing hard identifiers between the groups a reviewer may override, shown before and
audited. Through the API, with the persons and pairs written directly (the engine is tested
elsewhere)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from compatriot.core.models import AuditEntry, Crisis, Organisation, Role
from compatriot.core.viewer import Viewer
from compatriot.linkage import services
from compatriot.linkage.models import CandidatePair, Merge, PairStatus
from compatriot.linkage.tests.test_dedupe_rules import group_of, stored_pair
from compatriot.people.models import Person
from compatriot.people.tests.test_merged_groups import make_person


@pytest.fixture
def viewer_a(make_member: Callable[..., Any], org_a: Organisation) -> Viewer:
    user = make_member(org_a, Role.COORDINATOR)
    return Viewer(user.id, org_a.id, org_a.kind, Role.COORDINATOR)


@pytest.fixture
def three(crisis: Crisis, org_a: Organisation) -> tuple[Person, Person, Person]:
    a, b, c = (make_person(crisis, org_a, name) for name in ("Али", "Ali", "Alı"))
    return a, b, c


def _nothing_merged_since(audit_before: int, waiting: CandidatePair, merges_before: int) -> None:
    waiting.refresh_from_db()
    assert waiting.status == PairStatus.PENDING
    assert Merge.objects.count() == merges_before
    assert not AuditEntry.objects.filter(id__gt=audit_before, object_type="person_merge").exists()


@pytest.mark.parametrize("_case", ["kept apart", "unmerged"])
def test_a_merge_across_a_reviewers_decision_is_refused_naming_the_pair(
    three: tuple[Person, Person, Person], viewer_a: Viewer, coordinator_a: Any, _case: str
) -> None:
    a, b, c = three
    decided = stored_pair(a, b, probability=0.7)
    if _case == "kept apart":
        services.pair_keep_apart(viewer_a, pair_id=decided.id)
    else:
        services.pair_merge(viewer_a, pair_id=decided.id)
        services.pair_unmerge(viewer_a, pair_id=decided.id)
    services.pair_merge(viewer_a, pair_id=stored_pair(a, c).id)  # a and c: one person
    waiting = stored_pair(b, c)
    audit_before, merges_before = AuditEntry.objects.latest("id").id, Merge.objects.count()

    refused = coordinator_a.post(f"/linkage/pairs/{waiting.id}/merge")

    assert refused.status_code == 409
    body = refused.json()
    assert (body["code"], body["field"]) == ("LINKAGE_DECIDED_APART", "pair_id")
    assert str(decided.id) in body["message"]
    assert group_of(b) != group_of(a) == group_of(c)
    _nothing_merged_since(audit_before, waiting, merges_before)
    shown = coordinator_a.get(f"/linkage/pairs/{waiting.id}").json()["across"]
    assert shown == [
        {
            "pair_id": str(decided.id),
            "kept_apart": _case == "kept apart",
            "undone": _case == "unmerged",
            "conflicts": [],
        }
    ]

    # Merging the decided pair itself is the reviewer reversing the decision; then b-c is one.
    assert coordinator_a.post(f"/linkage/pairs/{decided.id}/merge").status_code == 200
    assert group_of(a) == group_of(b) == group_of(c)
    entry = AuditEntry.objects.filter(object_type="person_merge").latest("id")
    assert entry.details["pair"] == str(decided.id)
    assert entry.details.get("reverses") == ("keep_apart" if _case == "kept apart" else None)


def test_a_decision_on_a_record_the_reviewer_may_not_see_refuses_without_naming_it(
    crisis: Crisis, org_a: Organisation, org_b: Organisation, coordinator_a: Any
) -> None:
    mine, other = make_person(crisis, org_a, "Али"), make_person(crisis, org_a, "Ali")
    theirs = make_person(crisis, org_b, "Alı")
    Person.objects.filter(id=theirs.id).update(merged_into=mine)  # merged by a wider job
    hidden = stored_pair(theirs, other, status=PairStatus.KEPT_APART)
    waiting = stored_pair(mine, other)

    refused = coordinator_a.post(f"/linkage/pairs/{waiting.id}/merge")

    assert refused.status_code == 409
    assert refused.json()["code"] == "LINKAGE_DECIDED_APART"
    assert str(hidden.id) not in refused.json()["message"]
    assert str(theirs.id) not in refused.json()["message"]
    assert group_of(other) != group_of(mine)
    assert coordinator_a.get(f"/linkage/pairs/{waiting.id}").json()["across"] == [
        {"pair_id": None, "kept_apart": True, "undone": False, "conflicts": []}
    ]


def test_a_reviewer_may_override_differing_hard_identifiers_shown_and_audited(
    three: tuple[Person, Person, Person], viewer_a: Viewer, coordinator_a: Any
) -> None:
    a, b, c = three
    conflicting = stored_pair(a, b, probability=0.4, conflicts=["document_number"])
    services.pair_merge(viewer_a, pair_id=stored_pair(a, c).id)
    waiting = stored_pair(b, c, conflicts=["birth_year"])
    detail = coordinator_a.get(f"/linkage/pairs/{waiting.id}").json()
    assert detail["across"] == [
        {
            "pair_id": str(conflicting.id),
            "kept_apart": False,
            "undone": False,
            "conflicts": ["document_number"],
        }
    ]

    merged = coordinator_a.post(f"/linkage/pairs/{waiting.id}/merge")

    assert merged.status_code == 200
    assert merged.json()["across"] == []  # one person now: nothing between them
    assert group_of(a) == group_of(b) == group_of(c)
    entry = AuditEntry.objects.filter(object_type="person_merge").latest("id")
    assert entry.details["decision"] == "merge"
    assert entry.details["overrides_conflicts"] == {
        str(conflicting.id): ["document_number"],
        str(waiting.id): ["birth_year"],
    }


def test_a_merge_with_nothing_between_the_groups_records_no_override(
    three: tuple[Person, Person, Person], viewer_a: Viewer, coordinator_a: Any
) -> None:
    a, b, c = three
    stored_pair(a, b)  # pending, no conflict: no decision stands
    services.pair_merge(viewer_a, pair_id=stored_pair(a, c).id)
    waiting = stored_pair(b, c)

    assert coordinator_a.post(f"/linkage/pairs/{waiting.id}/merge").status_code == 200

    entry = AuditEntry.objects.filter(object_type="person_merge").latest("id")
    assert "overrides_conflicts" not in entry.details
    assert "reverses" not in entry.details
