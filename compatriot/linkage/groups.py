"""The merged groups as a deduplication job decides on them, and when it may join two.

Two groups are joined automatically only if every pair of records across them is a good pair:
scored at the lower threshold or above, with no hard conflict, not kept apart by a person and
never unmerged. It is the rule of the engine's own clustering
(compatriot.linkage.engine.pipeline.cluster): joining on a plain union of sure pairs would chain
A like B and B like C into one person although A and C conflict, and would step around a
person's decision to keep two records apart or to undo their merge.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping


def key(a: uuid.UUID, b: uuid.UUID) -> frozenset[uuid.UUID]:
    return frozenset((a, b))


class Groups:
    """person -> the group's primary record, and each group's members (read at decision time,
    then kept up to date as the job's merges join groups)."""

    def __init__(self, merged_into: Mapping[uuid.UUID, uuid.UUID | None]) -> None:
        self._root = {person: head or person for person, head in merged_into.items()}
        self._members: dict[uuid.UUID, set[uuid.UUID]] = {}
        for person, root in self._root.items():
            self._members.setdefault(root, set()).add(person)

    def of(self, person: uuid.UUID) -> uuid.UUID:
        return self._root.get(person, person)

    def members(self, person: uuid.UUID) -> set[uuid.UUID]:
        return self._members.get(self.of(person), {person})

    def same(self, a: uuid.UUID, b: uuid.UUID) -> bool:
        return self.of(a) == self.of(b)

    def joinable(self, a: uuid.UUID, b: uuid.UUID, good: set[frozenset[uuid.UUID]]) -> bool:
        """Whether every pair across the groups of `a` and `b` is among the `good` pairs."""
        return all(key(x, y) in good for x in self.members(a) for y in self.members(b))

    def join(self, primary: uuid.UUID, moved: Iterable[uuid.UUID]) -> None:
        """Record a merge: the `moved` records now belong to `primary`'s group."""
        group = self._members.setdefault(primary, {primary})
        self._root.setdefault(primary, primary)
        for person in moved:
            old = self._members.get(self.of(person))
            if old is not None and old is not group:
                old.discard(person)
                if not old:
                    self._members.pop(self.of(person), None)
            self._root[person] = primary
            group.add(person)
