"""Deduplication inside the platform: a job per crisis, the candidate pairs it scored, and the
merges decided on them (automatically or by a person), each of which can be undone.

A merge never changes or deletes a registration: it sets `Person.merged_into` on the records of
the absorbed group and remembers what each pointed at before, so unmerging restores exactly the
previous state. Every decision is also written to the audit log (compatriot.core.audit).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from compatriot.core.models import Crisis, Organisation
from compatriot.people.models import Person


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class JobScope(models.TextChoices):
    # Every person of the crisis: a platform administrator's job (or the command line's).
    CRISIS = "crisis", "Whole crisis"
    # The persons the starting organisation may see: an organisation's admin or coordinator's.
    ORGANISATION = "organisation", "Organisation"


class JobKind(models.TextChoices):
    # Every pair of the persons in scope.
    FULL = "full", "All persons"
    # Only the persons registered since the crisis was last deduplicated as a whole, against all
    # the others: started by new registrations (compatriot.people.registrations).
    NEW_RECORDS = "new_records", "New registrations"


class DedupeJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, related_name="dedupe_jobs")
    # Which persons the job compares, and who may see it (compatriot.linkage.selectors).
    scope = models.CharField(max_length=12, choices=JobScope.choices, default=JobScope.CRISIS)
    kind = models.CharField(max_length=12, choices=JobKind.choices, default=JobKind.FULL)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_by_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lower_threshold = models.FloatField()
    upper_threshold = models.FloatField()
    records = models.PositiveIntegerField(default=0)
    pairs_scored = models.PositiveIntegerField(default=0)
    pairs_kept = models.PositiveIntegerField(default=0)  # at or above the lower threshold
    auto_merged = models.PositiveIntegerField(default=0)
    queued_for_review = models.PositiveIntegerField(default=0)
    blocked_by_conflict = models.PositiveIntegerField(default=0)  # above upper, sent to review
    # Above upper, but another pair across the two groups was not good enough: sent to review.
    blocked_by_group = models.PositiveIntegerField(default=0)
    stage_seconds = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)  # never personal data
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"Dedupe job {self.id} ({self.status})"


class PairStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    MERGED = "merged", "Merged"
    KEPT_APART = "kept_apart", "Kept apart"


class CandidatePair(models.Model):
    """Two registrations of one crisis that may be the same person (person_a's id < person_b's)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    crisis = models.ForeignKey(Crisis, on_delete=models.CASCADE, related_name="candidate_pairs")
    job = models.ForeignKey(DedupeJob, null=True, on_delete=models.SET_NULL, related_name="pairs")
    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    # Field -> the engine's comparison level: -1 missing on a side, 0 disagree, >0 agree (higher
    # is closer). Conflicts: the hard identifiers that say two people (docs/linkage.md).
    agreements = models.JSONField(default=dict, blank=True)
    conflicts = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=PairStatus.choices, default=PairStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-probability", "id"]
        indexes = [models.Index(fields=["crisis", "status", "-probability"])]
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="candidate_pair_unique"),
            models.CheckConstraint(
                condition=Q(person_a__lt=F("person_b")), name="candidate_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"Candidate pair {self.id} ({self.status})"


class Merge(models.Model):
    """One merge of two groups: the absorbed records and what each pointed at before."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pair = models.ForeignKey(CandidatePair, on_delete=models.CASCADE, related_name="merges")
    primary = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    # [{"person": id, "previous": id or null}, ...]
    moved = models.JSONField(default=list)
    automatic = models.BooleanField(default=False)
    job = models.ForeignKey(DedupeJob, null=True, blank=True, on_delete=models.SET_NULL)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-decided_at", "id"]

    def __str__(self) -> str:
        return f"Merge {self.id}"
