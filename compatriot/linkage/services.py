"""Writes of deduplication: start and run a job, merge, keep apart, unmerge. Each decision is
audited (compatriot.core.audit) in the transaction that makes it.

Who: a job compares the persons of a crisis that its starter's organisation may see, when an
organisation's admin or coordinator starts it, or every person of the crisis, when a platform
administrator (or the command line) does. A decision on a pair is taken by an admin or
coordinator who may see both persons; anyone else is told the pair does not exist.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from compatriot.core.audit import audit_record
from compatriot.core.errors import ConflictError, InvalidInputError, NotFoundError
from compatriot.core.models import AuditAction, Crisis
from compatriot.core.viewer import Viewer
from compatriot.linkage.dedupe import ScoredPair, hard_conflicts, score, score_new
from compatriot.linkage.errors import DecidedApartError
from compatriot.linkage.groups import Groups, key
from compatriot.linkage.models import (
    CandidatePair,
    DedupeJob,
    JobKind,
    JobScope,
    JobStatus,
    Merge,
    PairStatus,
)
from compatriot.linkage.selectors import decisions_across
from compatriot.people.models import Person
from compatriot.people.selectors import visible_persons

logger = logging.getLogger(__name__)

# The viewer the command line and background tasks act as when no person started the job.
SYSTEM = Viewer(
    user_id=None,
    organisation_id=None,
    organisation_kind=None,
    role=None,
    is_platform_admin=True,
    purpose="deduplication",
)


# Registrations this long before the previous whole-crisis job started are scored again by a
# job of new registrations (see _new_since).
NEW_RECORDS_OVERLAP_MINUTES = 10

# Keeping apart two records that other merges already joined would leave them one person.
ALREADY_ONE = "Other merges already made these records one person: undo those merges first."


def _require_starter(viewer: Viewer) -> None:
    if not viewer.is_platform_admin:
        viewer.require_organisation_manager()


def dedupe_job_create(
    viewer: Viewer,
    *,
    crisis_id: uuid.UUID,
    lower: float | None = None,
    upper: float | None = None,
    kind: str = JobKind.FULL,
) -> DedupeJob:
    _require_starter(viewer)
    lower = settings.LINKAGE_LOWER_THRESHOLD if lower is None else lower
    upper = settings.LINKAGE_UPPER_THRESHOLD if upper is None else upper
    if not 0 < lower < 1:
        raise InvalidInputError("must lie between 0 and 1", field="lower_threshold")
    if not lower <= upper <= 1:
        raise InvalidInputError(
            "must lie between the lower threshold and 1", field="upper_threshold"
        )
    with transaction.atomic():
        crisis = Crisis.objects.filter(id=crisis_id).first()
        if crisis is None:
            raise NotFoundError("No such crisis.", field="crisis")
        scope = JobScope.CRISIS if viewer.is_platform_admin else JobScope.ORGANISATION
        organisation_id = viewer.organisation_id if scope == JobScope.ORGANISATION else None
        # One job under way per scope: an organisation's job never waits for another's (nor
        # learns of it); their decisions take turns on the crisis (_decide).
        busy = DedupeJob.objects.select_for_update().filter(
            crisis=crisis,
            scope=scope,
            status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
            **({"started_by_organisation_id": organisation_id} if organisation_id else {}),
        )
        # A worker that died leaves its job under way for ever: past the timeout it is failed,
        # so that it no longer blocks the crisis.
        abandoned_before = timezone.now() - dt.timedelta(
            minutes=settings.LINKAGE_JOB_TIMEOUT_MINUTES
        )
        busy.filter(created_at__lt=abandoned_before).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error=f"abandoned: not finished within {settings.LINKAGE_JOB_TIMEOUT_MINUTES} minutes",
        )
        if busy.exists():
            raise ConflictError("A deduplication job is already under way.", field="crisis")
        job = DedupeJob.objects.create(
            crisis=crisis,
            scope=scope,
            kind=kind,
            started_by_id=viewer.user_id,
            started_by_organisation_id=viewer.organisation_id,
            lower_threshold=lower,
            upper_threshold=upper,
        )
        audit_record(
            viewer,
            action=AuditAction.CREATE,
            object_type="dedupe_job",
            object_id=job.id,
            details={
                "crisis": str(crisis.id),
                "scope": scope,
                "kind": kind,
                "lower": lower,
                "upper": upper,
            },
        )
    return job


def _job_viewer(job: DedupeJob) -> Viewer:
    """Who the job's automatic merges are recorded as: the person who started it."""
    return Viewer(
        user_id=job.started_by_id,
        organisation_id=job.started_by_organisation_id,
        organisation_kind=None,
        role=None,
        is_platform_admin=job.started_by_id is None,
        purpose="deduplication",
    )


def _root(person: Person) -> uuid.UUID:
    return person.merged_into_id or person.id


def dedupe_job_run(*, job_id: uuid.UUID) -> DedupeJob:
    """Score the persons in the job's scope, keep the pairs at the lower threshold or above,
    merge those at the upper threshold or above whose groups may be joined (compatriot.linkage
    .groups: no hard conflict, keep-apart decision or undone merge across them, every pair
    across them scored), and leave the rest for review. Pairs already decided by a person keep
    their decision."""
    with transaction.atomic():
        job = DedupeJob.objects.select_for_update().get(id=job_id)
        if job.status not in (JobStatus.QUEUED, JobStatus.FAILED):
            raise ConflictError("This job has already run.", field="job_id")
        job.status, job.started_at, job.error = JobStatus.RUNNING, timezone.now(), ""
        job.save(update_fields=["status", "started_at", "error"])
    try:
        _run(job)
    except Exception as error:
        logger.exception("linkage: deduplication job %s failed", job.id)
        job.status, job.finished_at = JobStatus.FAILED, timezone.now()
        job.error = type(error).__name__  # the message might quote a record
        job.save(update_fields=["status", "finished_at", "error"])
        raise
    return job


def dedupe_new_records(*, crisis_id: uuid.UUID) -> DedupeJob | None:
    """Compare the persons registered in a crisis since it was last deduplicated as a whole
    with all its other persons, and decide as a whole-crisis job does (the same merge rule; the
    grey zone to review). Recorded and audited as a job of the platform's (SYSTEM). Nothing
    happens in a crisis never deduplicated as a whole (deduplication is not in use there), nor
    while a whole-crisis job is under way (the next registration's job will see the persons)."""
    if _last_whole(crisis_id) is None:
        return None
    try:
        job = dedupe_job_create(SYSTEM, crisis_id=crisis_id, kind=JobKind.NEW_RECORDS)
    except ConflictError:
        return None
    return dedupe_job_run(job_id=job.id)


def _compared(job: DedupeJob) -> QuerySet[Person]:
    """The persons the job compares: the whole crisis, or what the starting organisation may
    see in it (as it is when the job runs: a consent withdrawn meanwhile counts)."""
    persons = Person.objects.filter(crisis_id=job.crisis_id)
    if job.scope == JobScope.CRISIS:
        return persons
    organisation = job.started_by_organisation
    if organisation is None:  # deleted since
        return Person.objects.none()
    seer = Viewer(None, organisation.id, organisation.kind, None, purpose="deduplication")
    return persons.filter(id__in=visible_persons(seer).values("id"))


def _last_whole(crisis_id: uuid.UUID, *, before: dt.datetime | None = None) -> DedupeJob | None:
    """The crisis's latest finished job over the whole crisis (of either kind)."""
    jobs = DedupeJob.objects.filter(
        crisis_id=crisis_id, scope=JobScope.CRISIS, status=JobStatus.DONE, started_at__isnull=False
    )
    if before is not None:
        jobs = jobs.filter(started_at__lt=before)
    return jobs.order_by("-started_at").first()


def _new_since(job: DedupeJob) -> dt.datetime:
    """From when a registration is new to a NEW_RECORDS job: since the previous whole-crisis job
    started, less an overlap for registrations committed after that job read the crisis (a long
    import). Scoring a record twice is harmless: a pending pair takes the new score."""
    previous = _last_whole(job.crisis_id, before=job.started_at)
    start = previous.started_at if previous and previous.started_at else job.created_at
    return start - dt.timedelta(minutes=NEW_RECORDS_OVERLAP_MINUTES)


def _run(job: DedupeJob) -> None:
    started = time.perf_counter()
    persons = list(_compared(job).order_by("created_at", "id"))
    seconds: dict[str, float] = {"load": round(time.perf_counter() - started, 3)}
    if job.kind == JobKind.NEW_RECORDS:
        since = _new_since(job)
        new = [p for p in persons if p.created_at >= since]
        fresh = {p.id for p in new}
        older = [p for p in persons if p.id not in fresh]
        scored = score_new(new, older, lower=job.lower_threshold, upper=job.upper_threshold)
    else:
        scored = score(persons, lower=job.lower_threshold, upper=job.upper_threshold)
    seconds.update(scored.seconds)
    started = time.perf_counter()
    viewer = _job_viewer(job)
    with transaction.atomic():
        counts = _decide(viewer, job, {p.id: p for p in persons}, scored.pairs)
        seconds["decide"] = round(time.perf_counter() - started, 3)
        job.records, job.pairs_scored, job.pairs_kept = (
            scored.records,
            scored.pairs_scored,
            len(scored.pairs),
        )
        job.auto_merged, job.blocked_by_conflict, job.blocked_by_group = counts
        # Pending pairs whose two persons other merges made one are left nothing to decide.
        job.queued_for_review = (
            CandidatePair.objects.filter(job=job, status=PairStatus.PENDING)
            .annotate(
                root_a=Coalesce("person_a__merged_into_id", "person_a_id"),
                root_b=Coalesce("person_b__merged_into_id", "person_b_id"),
            )
            .exclude(root_a=F("root_b"))
            .count()
        )
        job.stage_seconds = seconds
        job.status, job.finished_at = JobStatus.DONE, timezone.now()
        job.save()
        audit_record(
            viewer,
            action=AuditAction.UPDATE,
            object_type="dedupe_job",
            object_id=job.id,
            details={
                "status": job.status,
                "scope": job.scope,
                "records": job.records,
                "pairs_kept": job.pairs_kept,
                "auto_merged": job.auto_merged,
                "queued_for_review": job.queued_for_review,
                "blocked_by_conflict": job.blocked_by_conflict,
                "blocked_by_group": job.blocked_by_group,
            },
        )


def _store_pairs(
    job: DedupeJob, by_id: dict[uuid.UUID, Person], found: list[ScoredPair]
) -> tuple[list[CandidatePair], list[CandidatePair]]:
    """Write the scored pairs: (every pair of the crisis, this job's pending ones). A pair a
    person decided keeps its decision; a pending one takes the new score."""
    every = {
        (p.person_a_id, p.person_b_id): p
        for p in CandidatePair.objects.select_for_update().filter(crisis_id=job.crisis_id)
    }
    created: list[CandidatePair] = []
    updated: list[CandidatePair] = []
    for scored in found:
        a, b = by_id[scored.person_a], by_id[scored.person_b]
        pair = every.get((a.id, b.id))
        if pair is None:
            pair = CandidatePair(crisis_id=job.crisis_id, person_a=a, person_b=b)
            created.append(pair)
        elif pair.status != PairStatus.PENDING:
            continue  # a decision stands until a person changes it
        else:
            pair.updated_at = timezone.now()
            updated.append(pair)
        pair.job, pair.probability = job, scored.probability
        pair.agreements = scored.agreements
        pair.conflicts = hard_conflicts(a, b, scored.agreements)
    CandidatePair.objects.bulk_create(created, batch_size=500)
    CandidatePair.objects.bulk_update(
        updated, ["job", "probability", "agreements", "conflicts", "updated_at"], batch_size=500
    )
    return [*every.values(), *created], [*created, *updated]


def _chunks(ids: Iterable[uuid.UUID], size: int = 500) -> Iterator[list[uuid.UUID]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _current_groups(persons: Iterable[uuid.UUID]) -> Groups:
    """The groups of these persons as they are now, locked (where the database locks rows) so
    that no merge changes them until the decisions are made: the persons, their primary
    records (every merge locks the two it joins, see _merge), then every member."""
    heads: dict[uuid.UUID, uuid.UUID | None] = {}
    for chunk in _chunks(persons):
        heads.update(
            Person.objects.select_for_update()
            .filter(id__in=chunk)
            .order_by("id")
            .values_list("id", "merged_into_id")
        )
    roots = {head or person for person, head in heads.items()}
    current: dict[uuid.UUID, uuid.UUID | None] = {}
    for chunk in _chunks(roots):
        list(Person.objects.select_for_update().filter(id__in=chunk).order_by("id").values("id"))
        current.update(
            Person.objects.filter(Q(id__in=chunk) | Q(merged_into_id__in=chunk)).values_list(
                "id", "merged_into_id"
            )
        )
    return Groups(current)


def _decide(
    viewer: Viewer, job: DedupeJob, by_id: dict[uuid.UUID, Person], found: list[ScoredPair]
) -> tuple[int, int, int]:
    """Store the pairs and merge the sure ones that may be merged, against the groups as they
    are now (not as they were when scoring began): (merged, blocked by a hard identifier or an
    undone merge, blocked by a pair across the two groups)."""
    # The decisions of jobs on one crisis take turns, so that the pairs read stay as read.
    Crisis.objects.select_for_update().get(id=job.crisis_id)
    every, pending = _store_pairs(job, by_id, found)
    undone = set(
        Merge.objects.filter(pair__crisis_id=job.crisis_id, undone_at__isnull=False).values_list(
            "pair_id", flat=True
        )
    )
    good = {
        key(p.person_a_id, p.person_b_id)
        for p in every
        if p.probability >= job.lower_threshold
        and not p.conflicts
        and p.status != PairStatus.KEPT_APART
        and p.id not in undone
    }
    sure = sorted(
        (p for p in pending if p.probability >= job.upper_threshold),
        key=lambda p: (-p.probability, str(p.person_a_id), str(p.person_b_id)),
    )
    groups = _current_groups(i for p in sure for i in (p.person_a_id, p.person_b_id))
    merged = conflicting = apart = 0
    for pair in sure:
        if pair.conflicts or pair.id in undone:
            conflicting += 1
        elif groups.same(pair.person_a_id, pair.person_b_id):
            continue
        elif not groups.joinable(pair.person_a_id, pair.person_b_id, good):
            apart += 1
        else:
            merge = _merge(viewer, pair, automatic=True, job=job)
            groups.join(merge.primary_id, (uuid.UUID(m["person"]) for m in merge.moved))
            merged += 1
    return merged, conflicting, apart


def _merge(
    viewer: Viewer,
    pair: CandidatePair,
    *,
    automatic: bool,
    job: DedupeJob | None = None,
    reversed_keep_apart: bool = False,
    overridden_conflicts: dict[str, list[str]] | None = None,
) -> Merge:
    """Join the groups of the pair's two persons under the older primary record. A reviewer's
    merge records what it overrode: a keep-apart decision on this pair, and the hard-identifier
    conflicts (pair -> identifiers) between the two groups."""
    locked = {
        p.id: p
        for p in Person.objects.select_for_update().filter(
            id__in=[pair.person_a_id, pair.person_b_id]
        )
    }
    roots = {_root(locked[pair.person_a_id]), _root(locked[pair.person_b_id])}
    if len(roots) == 1:
        raise ConflictError("These records are already one person.", field="pair_id")
    # The primary records are locked too: a job deciding on their groups waits (_decide).
    heads = sorted(
        Person.objects.select_for_update().filter(id__in=roots).order_by("id"),
        key=lambda p: (p.created_at, str(p.id)),
    )
    primary, absorbed = heads
    moving = list(
        Person.objects.select_for_update()
        .filter(Q(id=absorbed.id) | Q(merged_into_id=absorbed.id))
        .order_by("created_at", "id")
        .values_list("id", "merged_into_id")
    )
    moved = [{"person": str(i), "previous": str(p) if p else None} for i, p in moving]
    Person.objects.filter(id__in=[i for i, _ in moving]).update(merged_into_id=primary.id)
    now = timezone.now()
    merge = Merge.objects.create(
        pair=pair,
        primary=primary,
        moved=moved,
        automatic=automatic,
        job=job,
        decided_by_id=viewer.user_id,
        decided_by_organisation_id=viewer.organisation_id,
    )
    pair.status, pair.decided_by_id, pair.decided_at = PairStatus.MERGED, viewer.user_id, now
    pair.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit_record(
        viewer,
        action=AuditAction.UPDATE,
        object_type="person_merge",
        object_id=merge.id,
        details={
            "decision": "auto_merge" if automatic else "merge",
            "pair": str(pair.id),
            "primary": str(primary.id),
            "moved": [m["person"] for m in moved],
            "probability": round(pair.probability, 4),
            **({"reverses": "keep_apart"} if reversed_keep_apart else {}),
            **({"overrides_conflicts": overridden_conflicts} if overridden_conflicts else {}),
        },
    )
    return merge


def _pair_for_decision(viewer: Viewer, pair_id: uuid.UUID) -> CandidatePair:
    viewer.require_organisation_manager()
    visible = visible_persons(viewer).values("id")
    pair = (
        CandidatePair.objects.select_for_update()
        .filter(id=pair_id, person_a__in=visible, person_b__in=visible)
        .first()
    )
    if pair is None:
        raise NotFoundError("No such candidate pair.", field="pair_id")
    return pair


def pair_merge(viewer: Viewer, *, pair_id: uuid.UUID) -> Merge:
    """A reviewer's merge. It follows the group rule's decisions (compatriot.linkage.groups): it
    is refused (DecidedApartError) when two records across the groups were kept apart or had
    their merge undone, unless that is this pair itself (merging it reverses the decision).
    Hard-identifier conflicts across the groups a person may override: they are shown before
    (selectors.pair_get) and recorded in the merge's audit entry."""
    with transaction.atomic():
        pair = _pair_for_decision(viewer, pair_id)
        if pair.status == PairStatus.MERGED:
            raise ConflictError("This pair is already merged.", field="pair_id")
        _current_groups([pair.person_a_id, pair.person_b_id])  # locked until the merge is made
        across = decisions_across(viewer, pair)
        for decision in across:
            if decision.refuses_merge:
                raise DecidedApartError(decision)
        overridden = {str(d.pair_id): d.conflicts for d in across if d.conflicts}
        if pair.conflicts:
            overridden[str(pair.id)] = list(pair.conflicts)
        return _merge(
            viewer,
            pair,
            automatic=False,
            reversed_keep_apart=pair.status == PairStatus.KEPT_APART,
            overridden_conflicts=overridden,
        )


def pair_keep_apart(viewer: Viewer, *, pair_id: uuid.UUID) -> CandidatePair:
    with transaction.atomic():
        pair = _pair_for_decision(viewer, pair_id)
        if pair.status == PairStatus.MERGED:
            raise ConflictError("Unmerge this pair before keeping it apart.", field="pair_id")
        if pair.status == PairStatus.KEPT_APART:
            raise ConflictError("This pair is already kept apart.", field="pair_id")
        roots = {
            person.merged_into_id or person.id
            for person in Person.objects.select_for_update().filter(
                id__in=[pair.person_a_id, pair.person_b_id]
            )
        }
        if len(roots) == 1:
            raise ConflictError(ALREADY_ONE, field="pair_id")
        pair.status, pair.decided_by_id, pair.decided_at = (
            PairStatus.KEPT_APART,
            viewer.user_id,
            timezone.now(),
        )
        pair.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        audit_record(
            viewer,
            action=AuditAction.UPDATE,
            object_type="candidate_pair",
            object_id=pair.id,
            details={"decision": "keep_apart", "probability": round(pair.probability, 4)},
        )
    return pair


def pair_unmerge(viewer: Viewer, *, pair_id: uuid.UUID) -> Merge:
    """Undo the pair's merge: every record it moved points again where it did before. Refused
    while a later merge builds on it (undo that one first)."""
    with transaction.atomic():
        pair = _pair_for_decision(viewer, pair_id)
        merge = (
            Merge.objects.select_for_update()
            .filter(pair=pair, undone_at__isnull=True)
            .order_by("-decided_at")
            .first()
        )
        if pair.status != PairStatus.MERGED or merge is None:
            raise ConflictError("This pair is not merged.", field="pair_id")
        ids = [uuid.UUID(m["person"]) for m in merge.moved]
        current: dict[Any, Any] = dict(
            Person.objects.select_for_update()
            .filter(id__in=[*ids, merge.primary_id])
            .values_list("id", "merged_into_id")
        )
        later = current.get(merge.primary_id) is not None or any(
            current.get(i) != merge.primary_id for i in ids
        )
        if later:
            raise ConflictError(
                "A later merge includes these records: undo it first.", field="pair_id"
            )
        for moved in merge.moved:
            Person.objects.filter(id=moved["person"]).update(merged_into_id=moved["previous"])
        merge.undone_at, merge.undone_by_id = timezone.now(), viewer.user_id
        merge.save(update_fields=["undone_at", "undone_by"])
        pair.status, pair.decided_by_id, pair.decided_at = PairStatus.PENDING, None, None
        pair.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        audit_record(
            viewer,
            action=AuditAction.UPDATE,
            object_type="person_merge",
            object_id=merge.id,
            details={
                "decision": "unmerge",
                "pair": str(pair.id),
                "primary": str(merge.primary_id),
                "restored": [m["person"] for m in merge.moved],
                "automatic": merge.automatic,
            },
        )
    return merge
