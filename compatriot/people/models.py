"""Persons, households, vulnerabilities, needs and consent."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from compatriot.core.models import Crisis, Organisation


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class DatePrecision(models.TextChoices):
    YEAR = "year", "Year"
    MONTH = "month", "Year and month"
    DAY = "day", "Full date"


class JourneyStage(models.TextChoices):
    IN_CRISIS_COUNTRY = "in_crisis_country", "In the crisis country"
    IN_TRANSIT = "in_transit", "In transit"
    AT_BORDER = "at_border", "At a border"
    AT_DESTINATION = "at_destination", "At destination"
    RETURNED = "returned", "Returned"


class PersonCategory(models.TextChoices):
    STUDENT = "student", "Student"
    WORKER = "worker", "Worker"
    DOMESTIC_WORKER = "domestic_worker", "Domestic worker"
    REFUGEE_OR_ASYLUM_SEEKER = "refugee_or_asylum_seeker", "Refugee or asylum seeker"
    VISITOR = "visitor", "Visitor"
    OTHER = "other", "Other"


class Source(models.TextChoices):
    SELF = "self", "Self-registration"
    HOTLINE = "hotline", "Hotline"
    DIASPORA_VOLUNTEER = "diaspora_volunteer", "Diaspora volunteer"
    CONSULATE = "consulate", "Consulate"
    IMPORT = "import", "Import"


class Relationship(models.TextChoices):
    HEAD = "head", "Head of household"
    SPOUSE = "spouse", "Spouse or partner"
    CHILD = "child", "Child"
    PARENT = "parent", "Parent"
    SIBLING = "sibling", "Sibling"
    GRANDPARENT = "grandparent", "Grandparent"
    GRANDCHILD = "grandchild", "Grandchild"
    OTHER_RELATIVE = "other_relative", "Other relative"
    NON_RELATIVE = "non_relative", "Not related (travelling together)"


class Household(models.Model):
    """A household or a group travelling together."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, related_name="households")
    registered_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="households"
    )
    label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.label or f"Household {self.id}"


class PersonQuerySet(models.QuerySet["Person"]):
    def for_crisis(self, crisis_id: uuid.UUID) -> PersonQuerySet:
        return self.filter(crisis_id=crisis_id)


class Person(models.Model):
    # On PostgreSQL the keys of persons (but household and merged_into), vulnerabilities, needs
    # and consents are enforced by statement-level triggers, not by the constraints declared
    # here (people migration 0004: they are checked once per statement of a bulk import); a
    # migration that alters one of these columns must keep the triggers in step.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No single-column indexes on these two: the (crisis, registered_by, -created_at) index and
    # the (registered_by, source_record_id) key start with them and serve the same lookups.
    crisis = models.ForeignKey(
        Crisis, on_delete=models.PROTECT, related_name="persons", db_index=False
    )
    registered_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="registered_persons", db_index=False
    )
    registered_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    # The source's own id for the record (a spreadsheet row id, a hotline ticket): re-imports
    # of the same file update the same person instead of creating a duplicate. On PostgreSQL
    # this and the country, nationality and journey stage codes are COLLATE "C" (migration 0005,
    # not in the model state): an AlterField of them must set it again.
    source_record_id = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001  NULL = no source id; NULLs never clash in the unique key

    # Names as written, in any script, and their Latin transliteration.
    given_name = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    given_name_latin = models.CharField(max_length=200, blank=True)
    family_name_latin = models.CharField(max_length=200, blank=True)
    search_text = models.TextField(blank=True, editable=False)

    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(null=True, blank=True)
    birth_date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    nationality = models.CharField(max_length=2, blank=True)  # the first one
    nationalities = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    phones = models.JSONField(default=list, blank=True)  # E.164
    email = models.EmailField(max_length=254, blank=True)

    country = models.CharField(max_length=2, blank=True)
    admin_area = models.CharField(max_length=200, blank=True)
    place_name = models.CharField(max_length=200, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    journey_stage = models.CharField(max_length=20, choices=JourneyStage.choices)
    category = models.CharField(max_length=30, choices=PersonCategory.choices)

    # Indexed by a partial index (Meta) like merged_into: most persons have neither.
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        db_index=False,
    )
    relationship = models.CharField(max_length=20, choices=Relationship.choices, blank=True)

    # Deduplication (compatriot.linkage): a registration found to be the same person as another
    # points at the group's primary record. Nothing else changes, so every source registration
    # keeps its provenance, and unmerging restores the link exactly. Always one level: a primary
    # never points anywhere. Set only by compatriot.linkage.services.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_persons",
        db_index=False,
    )

    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["crisis", "registered_by", "-created_at"]),
            # Codes are matched whole, never by prefix: a plain index, without the
            # varchar_pattern_ops twin (for LIKE 'x%') that db_index=True adds on PostgreSQL.
            # None on nationality: its filter reads `nationalities`, and the index cost every
            # imported person an entry (people migration 0007). Country: a list filtered by a
            # rare country finds its few rows by it. Journey stage: stage-filtered counts and
            # the admin's stage filter read it (2 to 100 times faster than the scope's rows).
            models.Index(fields=["country"], name="person_country_idx"),
            models.Index(fields=["journey_stage"], name="person_journey_stage_idx"),
            # Keys that most rows leave empty are indexed where set only: every look-up by them
            # (`= id`, `IN`, joins, Django's SET_NULL) implies IS NOT NULL, and an imported
            # person (no merge, often no household) then writes no entry in them.
            models.Index(
                fields=["household"],
                name="person_household_idx",
                condition=Q(household__isnull=False),
            ),
            models.Index(
                fields=["merged_into"],
                name="person_merged_into_idx",
                condition=Q(merged_into__isnull=False),
            ),
        ]
        # On PostgreSQL the CHECK constraints below (and `version`'s) are checked by the persons'
        # statement triggers, not by the table (people migration 0014: a CHECK is read and
        # planned by every statement); a migration that alters one must replace the triggers.
        constraints = [
            models.UniqueConstraint(
                # Not partial: NULLs never clash, and ON CONFLICT (bulk import) needs a plain key.
                fields=["registered_by", "source_record_id"],
                name="person_source_record_unique",
                violation_error_message="This source record id is already registered.",
            ),
            models.CheckConstraint(
                condition=Q(birth_date__isnull=True, birth_date_precision="")
                | Q(birth_date__isnull=False, birth_date_precision__in=["year", "month", "day"]),
                name="person_birth_date_has_precision",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="person_coordinates_valid",
            ),
            models.CheckConstraint(
                condition=Q(household__isnull=True, relationship="") | Q(household__isnull=False),
                name="person_relationship_needs_household",
            ),
        ]

    def __str__(self) -> str:
        # No personal data in representations: they end up in logs.
        return f"Person {self.id}"


class VulnerabilityCode(models.TextChoices):
    UNACCOMPANIED_CHILD = "unaccompanied_child", "Unaccompanied child"
    SEPARATED_CHILD = "separated_child", "Separated child"
    DISABILITY = "disability", "Disability"
    SERIOUS_MEDICAL_CONDITION = "serious_medical_condition", "Serious medical condition"
    PREGNANT = "pregnant", "Pregnant"
    OLDER_PERSON = "older_person", "Older person"
    TRAFFICKING = "trafficking", "Survivor or at risk of trafficking"
    GBV_RISK = "gbv_risk", "Risk of gender-based violence"
    UNDOCUMENTED = "undocumented", "Undocumented"
    DETAINED = "detained", "Detained"
    STRANDED_WITHOUT_MEANS = "stranded_without_means", "Stranded without means"


class Vulnerability(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed by the (person, code) key, which starts with it.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="vulnerabilities", db_index=False
    )
    code = models.CharField(max_length=40, choices=VulnerabilityCode.choices)
    note = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "vulnerabilities"
        constraints = [
            models.UniqueConstraint(fields=["person", "code"], name="vulnerability_unique")
        ]

    def __str__(self) -> str:
        return self.code


class NeedCategory(models.TextChoices):
    EVACUATION = "evacuation", "Evacuation"
    TRANSPORT = "transport", "Transport"
    SHELTER = "shelter", "Shelter"
    FOOD = "food", "Food"
    WASH = "wash", "Water and sanitation"
    HEALTH = "health", "Health"
    MHPSS = "mhpss", "Mental health and psychosocial support"
    LEGAL = "legal", "Legal"
    DOCUMENTS = "documents", "Documents and consular"
    INTERPRETATION = "interpretation", "Interpretation"
    CASH = "cash", "Cash"
    FAMILY_TRACING = "family_tracing", "Family tracing"
    RETURN = "return", "Return and reintegration"


class Urgency(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class NeedStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    MET = "met", "Met"
    CANCELLED = "cancelled", "Cancelled"


class Need(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="needs")
    category = models.CharField(max_length=20, choices=NeedCategory.choices)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.MEDIUM)
    status = models.CharField(max_length=15, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    details = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["category", "status"])]

    def __str__(self) -> str:
        return f"{self.category} ({self.status})"


class ConsentScope(models.TextChoices):
    REGISTRATION = "registration", "Registration"
    SHARING = "sharing", "Sharing with partner organisations"
    ALERTS = "alerts", "Contact for alerts and information"
    FAMILY_TRACING = "family_tracing", "Family tracing"


class ConsentMethod(models.TextChoices):
    VERBAL = "verbal", "Verbal, recorded by the registering person"
    WRITTEN = "written", "Written"
    DIGITAL = "digital", "Digital (self-registration)"
    GUARDIAN = "guardian", "Given by a parent or guardian"


class Consent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed by the (person, scope) index, which starts with it.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="consents", db_index=False
    )
    scope = models.CharField(max_length=20, choices=ConsentScope.choices)
    # For sharing: the kinds of partner organisation the person agreed to share with.
    partner_kinds = models.JSONField(default=list, blank=True)
    method = models.CharField(max_length=10, choices=ConsentMethod.choices)
    given_at = models.DateTimeField()
    # Read only when a user or an organisation is deleted: on PostgreSQL a BRIN index each
    # (migration 0013, not in the model state), a few bytes per 128 pages instead of an entry
    # per consent; SQLite has none.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    recorded_by_organisation = models.ForeignKey(
        Organisation, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Indexed where set only (Meta), as persons' household and merged_into.
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["given_at"]
        indexes = [
            models.Index(fields=["person", "scope"]),
            models.Index(
                fields=["withdrawn_by"],
                name="consent_withdrawn_by_idx",
                condition=Q(withdrawn_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        state = "withdrawn" if self.withdrawn_at else "active"
        return f"{self.scope} ({state})"
