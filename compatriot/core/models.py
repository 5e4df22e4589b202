"""Crises, organisations, memberships and roles, API tokens, sharing agreements, audit log."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KeyTransform


class CrisisKind(models.TextChoices):
    CONFLICT = "conflict", "Conflict"
    DISASTER = "disaster", "Disaster"
    EPIDEMIC = "epidemic", "Epidemic"
    OTHER = "other", "Other"


class CrisisPhase(models.TextChoices):
    """The three phases of the MICIC Guidelines."""

    PREPAREDNESS = "preparedness", "Crisis preparedness"
    EMERGENCY = "emergency", "Emergency response"
    POST_CRISIS = "post_crisis", "Post-crisis action"


class Crisis(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=CrisisKind.choices)
    phase = models.CharField(
        max_length=20, choices=CrisisPhase.choices, default=CrisisPhase.EMERGENCY
    )
    # ISO 3166-1 alpha-2 codes.
    affected_countries = models.JSONField(default=list, blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_on", "name"]
        verbose_name_plural = "crises"
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="crisis_ends_after_start",
                violation_error_message="A crisis cannot end before it starts.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    DIASPORA_ORGANISATION = "diaspora_organisation", "Diaspora organisation"
    DIASPORA_NETWORK = "diaspora_network", "Diaspora network"
    COMMUNITY_GROUP = "community_group", "Informal community group"
    INTERNATIONAL_ORGANISATION = "international_organisation", "International organisation"
    NGO = "ngo", "NGO"
    CONSULATE = "consulate", "Consulate or embassy"
    GOVERNMENT = "government", "Government authority"
    NATIONAL_REFERRAL_MECHANISM = "national_referral_mechanism", "National referral mechanism"
    SERVICE_PROVIDER = "service_provider", "Service provider"
    PRIVATE_SECTOR = "private_sector", "Private sector"
    FAITH_BASED = "faith_based", "Faith-based organisation"


# Kinds that act for a state of origin: protection rules keep refugees and asylum seekers from them.
STATE_OF_ORIGIN_KINDS = frozenset({OrganisationKind.CONSULATE, OrganisationKind.GOVERNMENT})


class Organisation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40, choices=OrganisationKind.choices)
    # org-id.guide identifier where known, e.g. "GB-CHC-1234567".
    org_identifier = models.CharField(max_length=100, blank=True)
    origin_countries = models.JSONField(default=list, blank=True)  # communities it serves, alpha-2
    operating_countries = models.JSONField(default=list, blank=True)  # where it works, alpha-2
    languages = models.JSONField(default=list, blank=True)  # BCP 47 primary subtags
    website = models.URLField(blank=True)
    is_verified = models.BooleanField(default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_verified=False) | Q(verified_at__isnull=False),
                name="organisation_verified_has_time",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    COORDINATOR = "coordinator", "Coordinator"
    CASEWORKER = "caseworker", "Caseworker"
    VOLUNTEER = "volunteer", "Volunteer"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class ApiToken(models.Model):
    """A bearer token bound to one membership. Only its SHA-256 is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)  # shown in lists so a user can tell tokens apart
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SharingAgreement(models.Model):
    """`provider` shares the people it registered with `recipient`, where their consent allows."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    provider = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="sharing_given"
    )
    recipient = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="sharing_received"
    )
    crisis = models.ForeignKey(Crisis, null=True, blank=True, on_delete=models.CASCADE)
    purpose = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(provider=models.F("recipient")), name="sharing_between_two_orgs"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} → {self.recipient}"


class AuditAction(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    READ = "read", "Read"
    LIST = "list", "List"
    EXPORT = "export", "Export"


class AuditEntry(models.Model):
    """Append-only, hash-chained record of who did what to which record, and why. The database
    refuses updates and deletes outside `core.audit.audit_maintenance()` (migration 0014's
    triggers; on SQLite an AlterField rebuilds the table without them: create them again).

    Details never hold personal values: field names, filters and counts only. On PostgreSQL,
    `entry_hash`, `object_type` and `object_id` are COLLATE "C" (migration 0007, not in the
    model state): an AlterField of them must set it again.
    """

    id = models.BigAutoField(primary_key=True)
    # Not indexed (migration 0011): entries are appended in id order, so the chain's order is the
    # order of time and the primary key serves it (the admin sorts its "at" column by id).
    at = models.DateTimeField()
    actor_user_id = models.IntegerField(null=True)
    actor_organisation_id = models.UUIDField(null=True)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    purpose = models.CharField(max_length=100, blank=True)
    details = models.JSONField(default=dict)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # A person's history (core.selectors.audit_history) also reads the entries about its
            # parts (needs, consents, ...), which name the person in details; only those are
            # indexed, so the import's entries (one per person, no details.person) add nothing.
            models.Index(
                KeyTransform("person", "details"),
                condition=Q(details__has_key="person"),
                name="audit_details_person_idx",
            ),
            # The reads naming several persons (details.persons) have a partial GIN index on
            # PostgreSQL, not in the model state (migration 0015; SQLite has no GIN).
        ]
        # No index on `entry_hash` (migration 0010): nothing reads by it, and two entries can
        # share a hash only by sharing content and predecessor, a fork, which the chain's lock
        # prevents and `audit verify` reports (ADR 0002, "Uniqueness").

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.object_type} {self.object_id}"
