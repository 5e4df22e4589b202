"""Family tracing: requests for a person sought, the possible matches found for them, and the
notifications that tell organisations what to do next.

Restoring Family Links practice: the seeker's side learns only that a possible match exists; the
organisation that registered the person found asks them, and contact details pass to the seeker's
side only after they consent. A refusal closes the request without telling the seeker anything.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from compatriot.core.models import Crisis, Organisation
from compatriot.people.models import ConsentMethod, Person, Sex


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open: searching"
    POSSIBLE_MATCH = "possible_match", "Possible match: the person found is being asked"
    CONTACT_CONSENTED = "contact_consented", "Contact consented"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn by the seeker"


ACTIVE_STATUSES = (RequestStatus.OPEN, RequestStatus.POSSIBLE_MATCH)


class Outcome(models.TextChoices):
    """Why a request closed. `no_result` covers a refusal: the seeker's side is told nothing more."""

    REUNITED = "reunited", "Reunited or in contact"
    NO_RESULT = "no_result", "Closed without a result that can be shared"
    SEEKER_WITHDREW = "seeker_withdrew", "The seeker withdrew the request"
    OTHER = "other", "Other"


class SoughtRelationship(models.TextChoices):
    """Who the person sought is to the seeker."""

    SPOUSE = "spouse", "Spouse or partner"
    CHILD = "child", "Child"
    PARENT = "parent", "Parent"
    SIBLING = "sibling", "Sibling"
    GRANDPARENT = "grandparent", "Grandparent"
    GRANDCHILD = "grandchild", "Grandchild"
    OTHER_RELATIVE = "other_relative", "Other relative"
    OTHER = "other", "Other (friend, guardian, travelling companion)"


class TracingRequestQuerySet(models.QuerySet["TracingRequest"]):
    def active(self) -> TracingRequestQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)


class TracingRequest(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True)  # TR-XXXXXXXX, no personal data
    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, related_name="tracing_requests")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="tracing_requests"
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    # The person sought, as the seeker describes them.
    given_name = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.CharField(max_length=10, blank=True)  # YYYY, YYYY-MM or YYYY-MM-DD
    birth_year_is_approximate = models.BooleanField(default=False)  # from an age
    nationality = models.CharField(max_length=2, blank=True)
    phones = models.JSONField(default=list, blank=True)  # E.164, numbers the seeker knew
    last_known_country = models.CharField(max_length=2, blank=True)
    last_known_place = models.CharField(max_length=200, blank=True)
    relationship = models.CharField(max_length=20, choices=SoughtRelationship.choices)
    circumstances = models.TextField(blank=True)  # how and where they were separated

    # The seeker: a registered person, or a name and a contact kept encrypted.
    seeker_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seeker_name = models.CharField(max_length=200, blank=True)
    seeker_contact_sealed = models.TextField(blank=True)  # Fernet token (sealing.py)

    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN, db_index=True
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    # Persons registered up to this moment have been compared with the request.
    checked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = TracingRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["crisis", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(given_name="", family_name=""), name="tracing_sought_has_a_name"
            ),
            models.CheckConstraint(
                condition=Q(seeker_person__isnull=False) | ~Q(seeker_name=""),
                name="tracing_seeker_named",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["closed", "withdrawn"], closed_at__isnull=False)
                | (~Q(status__in=["closed", "withdrawn"]) & Q(closed_at__isnull=True)),
                name="tracing_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.reference  # never a name: representations end up in logs

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class MatchStatus(models.TextChoices):
    AWAITING_ANSWER = "awaiting_answer", "Waiting for the person's answer"
    CONSENTED = "consented", "The person agreed to contact"
    REFUSED = "refused", "The person refused contact"
    NOT_THE_PERSON = "not_the_person", "Not the person sought"
    LAPSED = "lapsed", "No longer a candidate"


class Answer(models.TextChoices):
    CONSENT = "consent", "Agrees to be put in contact"
    REFUSE = "refuse", "Does not want contact"
    NOT_THE_PERSON = "not_the_person", "Is not the person sought"


class TracingMatch(models.Model):
    """A registered person who may be the person sought."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(TracingRequest, on_delete=models.CASCADE, related_name="matches")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    rank = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=20, choices=MatchStatus.choices, default=MatchStatus.AWAITING_ANSWER
    )
    found_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer_method = models.CharField(max_length=10, choices=ConsentMethod.choices, blank=True)
    answer_note = models.CharField(max_length=1000, blank=True)  # for the found side only

    class Meta:
        ordering = ["rank", "-probability", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "person"], name="tracing_match_unique"),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=1),
                name="tracing_match_probability",
            ),
        ]

    def __str__(self) -> str:
        return f"Match {self.id}"


class NotificationKind(models.TextChoices):
    POSSIBLE_MATCH = "possible_match", "A possible match was found"
    ANSWER_NEEDED = "answer_needed", "A person you registered may be sought by a relative"
    CONTACT_CONSENTED = "contact_consented", "The person found agreed to contact"
    REQUEST_CLOSED = "request_closed", "The request was closed"


class TracingNotification(models.Model):
    """A line in an organisation's (or a caseworker's) tracing inbox. Never holds personal data:
    the kind and the ids say what happened, the screens show what the reader may see."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    request = models.ForeignKey(
        TracingRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    match = models.ForeignKey(
        TracingMatch, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["organisation", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"
