"""Requests for help, offers of help, and the allocations between them.

Capacity is guarded twice: every allocation write locks its offer row (services.py) and the
database refuses an offer holding more people than its capacity (offer_held_within_capacity).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from compatriot.assistance.engine.model import CATEGORIES, REQUIREMENTS
from compatriot.core.models import Crisis, Organisation


class Category(models.TextChoices):
    EVACUATION_SEAT = "evacuation_seat", "Evacuation Seat"
    TRANSPORT = "transport", "Transport"
    SHELTER_BED = "shelter_bed", "Shelter Bed"
    INTERPRETER = "interpreter", "Interpreter"
    LEGAL_AID = "legal_aid", "Legal Aid"
    MEDICAL = "medical", "Medical"
    GOODS = "goods", "Goods"


class Requirement(models.TextChoices):
    WHEELCHAIR = "wheelchair", "Wheelchair access"
    WOMEN_ONLY = "women_only", "Women only"
    CHILD_FRIENDLY = "child_friendly", "Child friendly"
    PETS = "pets", "Pets welcome"


# The engine's vocabulary and the stored one are the same words.
assert set(Category.values) == set(CATEGORIES)  # noqa: S101
assert set(Requirement.values) == set(REQUIREMENTS)  # noqa: S101


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    ALLOCATED = "allocated", "Allocated"
    CLOSED = "closed", "Closed (served)"
    CANCELLED = "cancelled", "Cancelled"


class AssistanceRequest(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # From a person's (or their household's) need, or entered directly (all three empty).
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    need = models.ForeignKey(
        "people.Need", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    people = models.PositiveSmallIntegerField()
    latitude = models.FloatField()
    longitude = models.FloatField()
    destination_latitude = models.FloatField(null=True, blank=True)
    destination_longitude = models.FloatField(null=True, blank=True)
    languages = models.JSONField(default=list, blank=True)
    earliest = models.DateTimeField(null=True, blank=True)
    latest = models.DateTimeField(null=True, blank=True)
    derived_priority = models.PositiveSmallIntegerField(default=1)
    priority_override = models.PositiveSmallIntegerField(null=True, blank=True)
    priority_reason = models.CharField(max_length=500, blank=True)
    requirements = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    # The last matching run's explanation when it found nothing (blocker code and sentence).
    blocker = models.CharField(max_length=30, blank=True)
    blocker_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["crisis", "organisation", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(people__gte=1), name="request_people_positive"),
            models.CheckConstraint(
                condition=Q(derived_priority__gte=1, derived_priority__lte=5)
                & (
                    Q(priority_override__isnull=True)
                    | Q(priority_override__gte=1, priority_override__lte=5)
                ),
                name="request_priority_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(priority_override__isnull=True) | ~Q(priority_reason=""),
                name="request_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Request {self.id} ({self.category}, {self.people})"

    @property
    def priority(self) -> int:
        return self.priority_override or self.derived_priority


class OfferStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Offer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    capacity = models.PositiveIntegerField()
    # People held by live allocations (proposed, confirmed, fulfilled): kept by the services
    # under the row lock, and never above capacity (a database constraint).
    held = models.PositiveIntegerField(default=0)
    latitude = models.FloatField()
    longitude = models.FloatField()
    # A route: where it goes and when it leaves.
    destination_latitude = models.FloatField(null=True, blank=True)
    destination_longitude = models.FloatField(null=True, blank=True)
    departure_at = models.DateTimeField(null=True, blank=True)
    radius_km = models.FloatField()
    languages = models.JSONField(default=list, blank=True)
    available_from = models.DateTimeField(null=True, blank=True)
    available_until = models.DateTimeField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default="active")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["crisis", "status", "category"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(held__lte=F("capacity")), name="offer_held_within_capacity"
            ),
            models.CheckConstraint(condition=Q(radius_km__gte=0), name="offer_radius_positive"),
        ]

    def __str__(self) -> str:
        return f"Offer {self.id} ({self.category}, {self.held}/{self.capacity})"

    @property
    def free(self) -> int:
        return self.capacity - self.held


class AllocationStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    CONFIRMED = "confirmed", "Confirmed by the offerer"
    FULFILLED = "fulfilled", "Fulfilled"
    NO_SHOW = "no_show", "No-show"
    CANCELLED = "cancelled", "Cancelled"


LIVE_STATUSES = (AllocationStatus.PROPOSED, AllocationStatus.CONFIRMED, AllocationStatus.FULFILLED)


class AllocationKind(models.TextChoices):
    MATCHED = "matched", "Proposed by the matching engine"
    MANUAL = "manual", "Allocated by hand"
    OVERRIDE = "override", "Coordinator override of a soft check"


class Allocation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(
        AssistanceRequest, on_delete=models.PROTECT, related_name="allocations"
    )
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="allocations")
    people = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=10, choices=AllocationStatus.choices, default=AllocationStatus.PROPOSED
    )
    kind = models.CharField(max_length=10, choices=AllocationKind.choices)
    reason = models.CharField(max_length=500, blank=True)
    distance_km = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # A household is served once: one live allocation per request.
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status__in=["proposed", "confirmed", "fulfilled"]),
                name="allocation_one_live_per_request",
            ),
        ]

    def __str__(self) -> str:
        return f"Allocation {self.id} ({self.status})"


class Notification(models.Model):
    """What the person is told about their request. A record at least; channels send it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(
        AssistanceRequest, on_delete=models.CASCADE, related_name="notifications"
    )
    allocation = models.ForeignKey(
        Allocation, null=True, on_delete=models.CASCADE, related_name="notifications"
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=20, default="record")
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Notification {self.id}"


class MatchingRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class MatchingRun(models.Model):
    """One matching of an organisation's open requests; it runs in the background (Celery), so
    the page or API call that starts it returns at once and follows its status."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=MatchingRunStatus.choices, default=MatchingRunStatus.DONE
    )
    time_limit = models.FloatField(default=20.0)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)  # the error's kind, never its message
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Matching run {self.id}"
