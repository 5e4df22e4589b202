"""Protection concerns, the cases opened from them, referrals between organisations, and the
events that let a referral mechanism show that every concern was followed to its end."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from compatriot.core.models import Crisis, Organisation
from compatriot.directory.models import Service
from compatriot.people.models import Household, Person


class ConcernKind(models.TextChoices):
    BORDER_DISCRIMINATION = (
        "border_discrimination",
        "Discrimination or denial of passage at a border",
    )
    DENIAL_OF_ASSISTANCE = "denial_of_assistance", "Denial of assistance"
    DETENTION = "detention", "Detention"
    TRAFFICKING = "trafficking", "Trafficking or exploitation"
    EXTORTION = "extortion", "Extortion or profiteering"
    VIOLENCE = "violence", "Violence"
    MISSING_PERSON = "missing_person", "Missing person"
    UNSAFE_SHELTER = "unsafe_shelter", "Unsafe shelter"
    OTHER = "other", "Other"


class ConcernStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    TRIAGED = "triaged", "Triaged: cases opened"
    CLOSED = "closed", "Closed without a case"


class Concern(models.Model):
    """A report that something is wrong, from anyone, anonymous visitors included."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # What the reporter quotes to follow the concern; not guessable, not a secret either.
    reference = models.CharField(max_length=20, unique=True)
    # The private link's secret, hashed: it alone lets a reporter see the status.
    follow_key_hash = models.CharField(max_length=64)
    crisis = models.ForeignKey(Crisis, null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(max_length=30, choices=ConcernKind.choices)
    description = models.TextField(max_length=5000)
    country = models.CharField(max_length=2)
    admin_area = models.CharField(max_length=200, blank=True)
    place_name = models.CharField(max_length=200, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    occurred_on = models.DateField(null=True, blank=True)
    people_affected = models.PositiveIntegerField(default=1)
    nationalities = models.JSONField(default=list, blank=True)
    # Who reported, when known. Anonymous reports have neither.
    reported_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_by_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter_contact = models.CharField(max_length=200, blank=True)
    # The organisation that triages it (a referral mechanism or coordinator).
    receiving_organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="concerns_received",
    )
    status = models.CharField(
        max_length=10, choices=ConcernStatus.choices, default=ConcernStatus.RECEIVED
    )
    closure_reason = models.CharField(max_length=1000, blank=True)
    # A short public note the reporter sees on the status page (no personal data).
    public_note = models.CharField(max_length=500, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["receiving_organisation", "status"]),
            models.Index(fields=["crisis", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.kind})"


class Attachment(models.Model):
    """A file sent with a concern: stored outside the web root under a random name, never
    rendered inline, served only as a download to those who may triage the concern."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField(max_length=120)
    stored_name = models.CharField(max_length=64, unique=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    ASSESSED = "assessed", "Assessed"
    REFERRED = "referred", "Referred"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED = "closed", "Closed"


class CasePriority(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class CaseOutcome(models.TextChoices):
    RESOLVED = "resolved", "Concern addressed"
    SERVICE_PROVIDED = "service_provided", "Service provided through referral"
    NO_LONGER_NEEDED = "no_longer_needed", "No longer needed"
    PERSON_DECLINED = "person_declined", "Person declined further help"
    LOST_CONTACT = "lost_contact", "Lost contact"
    UNFOUNDED = "unfounded", "Concern not confirmed"
    OTHER = "other", "Other"


class Case(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True)
    crisis = models.ForeignKey(Crisis, null=True, blank=True, on_delete=models.PROTECT)
    concern = models.ForeignKey(
        Concern, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="cases_owned"
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Copied from the concern (or given) so that monitoring never needs personal data.
    concern_kind = models.CharField(max_length=30, choices=ConcernKind.choices)
    nationality = models.CharField(max_length=2, blank=True)
    summary = models.CharField(max_length=500)
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    priority = models.CharField(max_length=10, choices=CasePriority.choices)
    deadline = models.DateTimeField()
    assessment = models.TextField(max_length=5000, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=CaseOutcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deadline"]
        indexes = [
            models.Index(fields=["owner_organisation", "status"]),
            models.Index(fields=["status", "deadline"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(household__isnull=False),
                name="case_has_person_or_household",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status != CaseStatus.CLOSED


class CaseEventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    ASSESSED = "assessed", "Assessed"
    STATUS = "status", "Status changed"
    REFERRED = "referred", "Referred"
    REFERRAL_ANSWERED = "referral_answered", "Referral accepted or declined"
    REFERRAL_COMPLETED = "referral_completed", "Referral completed"
    TRANSFERRED = "transferred", "Transferred"
    ESCALATED = "escalated", "Escalated"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"


class CaseEvent(models.Model):
    """The case's history, for its team and for monitoring: no free text, no personal data."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=CaseEventKind.choices)
    at = models.DateTimeField()
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class CaseNote(models.Model):
    """Free text for the case team only: never shown to another organisation, referral or not."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"note on {self.case_id}"


class ReferralStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the receiver"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Disclosure(models.TextChoices):
    """What of the person a referral may show its receiver, as the person consented."""

    IDENTITY = "identity", "Names, sex and year of birth"
    CONTACT = "contact", "Phone numbers and e-mail"
    LOCATION = "location", "Current location"
    NEEDS = "needs", "Needs"
    VULNERABILITIES = "vulnerabilities", "Vulnerabilities"
    ASSESSMENT = "assessment", "The case assessment"


class Referral(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    from_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referrals_sent"
    )
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referrals_received"
    )
    # The service in the directory, when the referral names one; its category is kept so that
    # monitoring still reads it if the directory entry is later removed.
    to_service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    service_category = models.CharField(max_length=30, blank=True)
    reason = models.CharField(max_length=1000)
    disclosures = models.JSONField(default=list)
    consent_method = models.CharField(max_length=10)
    consent_given_at = models.DateTimeField()
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.PENDING
    )
    decline_reason = models.CharField(max_length=1000, blank=True)
    outcome = models.CharField(max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["to_organisation", "status"])]
        constraints = [
            # One live referral of a case to the same organisation at a time.
            models.UniqueConstraint(
                fields=["case", "to_organisation"],
                condition=Q(status__in=["pending", "accepted"]),
                name="one_live_referral_per_receiver",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} -> {self.to_organisation_id} ({self.status})"


class Escalation(models.Model):
    """A case whose deadline passed, brought to the owner organisation's coordinators."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="escalations")
    deadline = models.DateTimeField()
    escalated_at = models.DateTimeField()
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A deadline is escalated once, however often the job runs.
            models.UniqueConstraint(fields=["case", "deadline"], name="one_escalation_per_deadline")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} overdue since {self.deadline:%Y-%m-%d}"
