"""Diaspora profiles with their capacities, and the service directory shaped on Open Referral
HSDS 3.0 (organization, service, location, service_at_location, phone, schedule, language,
required_document, cost_option).

Coordinates carry a `lat_band` (latitude in hundredths of a degree, rounded down) indexed together
with longitude: a radius search reads a few narrow index ranges, then checks the exact distance
(see geo.py). No PostGIS needed.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from compatriot.core.models import Organisation


class ProfileKind(models.TextChoices):
    ORGANISATION = "organisation", "Diaspora organisation"
    NETWORK = "network", "Diaspora network"
    INFORMAL_GROUP = "informal_group", "Informal group"
    INDIVIDUAL_VOLUNTEER = "individual_volunteer", "Individual volunteer"


class Channel(models.TextChoices):
    MESSAGING_GROUP = "messaging_group", "Messaging groups"
    RADIO = "radio", "Radio"
    FAITH_NETWORK = "faith_network", "Faith networks"
    SOCIAL_MEDIA = "social_media", "Social media"
    PHONE_TREE = "phone_tree", "Phone tree"
    IN_PERSON = "in_person", "In person"


class Availability(models.TextChoices):
    AVAILABLE = "available", "Available now"
    LIMITED = "limited", "Limited"
    UNAVAILABLE = "unavailable", "Not available"


# The contact fields of a profile; the owner publishes each one separately.
CONTACT_FIELDS = ("contact_email", "contact_phone", "contact_messaging")


class GeoPoint(models.Model):
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    lat_band = models.SmallIntegerField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class DiasporaProfile(GeoPoint):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="diaspora_profiles"
    )
    kind = models.CharField(max_length=30, choices=ProfileKind.choices)
    name = models.CharField(max_length=200)
    origin_country = models.CharField(max_length=2)  # ISO 3166-1 alpha-2
    origin_community = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2)  # where the group is
    city = models.CharField(max_length=200, blank=True)
    community_size = models.PositiveIntegerField(null=True, blank=True)
    channels = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    availability = models.CharField(
        max_length=20, choices=Availability.choices, default=Availability.AVAILABLE
    )
    description = models.TextField(blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)  # E.164
    contact_messaging = models.CharField(max_length=200, blank=True)
    published_contact_fields = models.JSONField(default=list, blank=True)
    is_published = models.BooleanField(default=False)
    last_confirmed_at = models.DateTimeField()
    is_stale = models.BooleanField(default=False)
    confirmation_requested_at = models.DateTimeField(null=True, blank=True)
    # When the owner's admins and coordinators were mailed about this staleness (once each time).
    confirmation_mailed_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["lat_band", "longitude"], name="profile_geo"),
            models.Index(fields=["is_stale", "last_confirmed_at"], name="profile_staleness"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_at__isnull=True) | Q(verified_by__isnull=False),
                name="profile_verified_by_someone",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="profile_coordinates_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class ProfileConfirmationMail(models.Model):
    """One admin or coordinator mailed about one staleness of a profile: recorded per recipient
    as each message is accepted, so that a run the mail server interrupts mails no one twice
    and the next run asks only those not asked yet (directory/mail.py)."""

    profile = models.ForeignKey(DiasporaProfile, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The profile's last_confirmed_at when mailed: which staleness the mail was about (a
    # confirmation moves it, so a profile stale again is mailed about again).
    last_confirmed_at = models.DateTimeField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "last_confirmed_at", "recipient"],
                name="profile_confirmation_mailed_once",
            )
        ]

    def __str__(self) -> str:
        return f"profile {self.profile_id} mailed to user {self.recipient_id}"


class CapacityKind(models.TextChoices):
    SHELTER_BEDS = "shelter_beds", "Shelter beds"
    VEHICLES = "vehicles", "Vehicles"
    VEHICLE_SEATS = "vehicle_seats", "Vehicle seats"
    INTERPRETERS = "interpreters", "Interpreters"
    LEGAL_PROFESSIONALS = "legal_professionals", "Legal professionals"
    MEDICAL_PROFESSIONALS = "medical_professionals", "Medical professionals"
    FUNDS = "funds", "Funds"
    IN_KIND_GOODS = "in_kind_goods", "In-kind goods"


class Capacity(models.Model):
    """A quantity of one kind. Interpreters name their language, funds their currency, goods
    what they are (`unit`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    profile = models.ForeignKey(
        DiasporaProfile, on_delete=models.CASCADE, related_name="capacities"
    )
    kind = models.CharField(max_length=30, choices=CapacityKind.choices)
    quantity = models.PositiveIntegerField()
    language = models.CharField(max_length=3, blank=True)
    unit = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "capacities"
        ordering = ["kind", "language", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "kind", "language", "unit"], name="capacity_unique_kind"
            ),
            models.CheckConstraint(
                condition=~Q(kind="interpreters") | ~Q(language=""),
                name="capacity_interpreters_have_language",
                violation_error_message="Interpreters are counted per language.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.kind}"


class DiasporaFocalPoint(models.Model):
    """A person appointed to verify diaspora profiles (the seeds' "diaspora focal point")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="diaspora_focal_point"
    )
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    appointed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"focal point {self.user}"


# ---- Service directory (HSDS 3.0). Ids are the HSDS ids, kept across import and export.


class ServiceCategory(models.TextChoices):
    SHELTER = "shelter", "Shelter"
    FOOD = "food", "Food"
    WASH = "wash", "Water, sanitation and hygiene"
    HEALTH = "health", "Health"
    PSYCHOSOCIAL = "psychosocial", "Psychosocial support"
    LEGAL = "legal", "Legal aid"
    DOCUMENTATION = "documentation", "Documents and consular help"
    TRANSPORT = "transport", "Transport"
    INTERPRETATION = "interpretation", "Interpretation"
    CASH = "cash", "Cash assistance"
    INFORMATION = "information", "Information"


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DEFUNCT = "defunct", "Defunct"
    TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"


class DirectoryOrganization(models.Model):
    """HSDS `organization`. `managed_by` is the Compatriot organisation that keeps it current."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    managed_by = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=200)
    description = models.TextField()
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    organization = models.ForeignKey(
        DirectoryOrganization, on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=20, choices=ServiceCategory.choices)
    status = models.CharField(
        max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    url = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    eligibility_description = models.TextField(blank=True)
    # None: not known. A crisis question of its own: many services served only nationals.
    serves_third_country_nationals = models.BooleanField(null=True, blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    fees_description = models.TextField(blank=True)
    last_verified_on = models.DateField(null=True, blank=True)  # HSDS assured_date
    assurer_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["category", "status"], name="service_category"),
            # Covering: the radius search checks status and category from the index alone.
            models.Index(fields=["id", "status", "category"], name="service_search"),
        ]

    def __str__(self) -> str:
        return self.name


class LocationType(models.TextChoices):
    PHYSICAL = "physical", "Physical"
    POSTAL = "postal", "Postal"
    VIRTUAL = "virtual", "Virtual"


class Location(GeoPoint):
    """HSDS `location` with its one address folded in (HSDS `address`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    organization = models.ForeignKey(
        DirectoryOrganization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="locations",
    )
    location_type = models.CharField(
        max_length=10, choices=LocationType.choices, default=LocationType.PHYSICAL
    )
    name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    address_id = models.UUIDField(null=True, blank=True)  # the HSDS address record's id
    address_1 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=200, blank=True)
    state_province = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)  # often unknown in a crisis
    country = models.CharField(max_length=2, blank=True)

    class Meta:
        ordering = ["name"]
        # Covering: the radius search reads its candidates from the index alone.
        indexes = [
            models.Index(fields=["lat_band", "longitude", "latitude", "id"], name="location_geo")
        ]

    def __str__(self) -> str:
        return self.name or str(self.id)


class ServiceAtLocation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="services_at")
    description = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="service_at_location_once")
        ]
        # Covering: the radius search finds a location's services from the index alone.
        indexes = [models.Index(fields=["location", "service"], name="service_at_location_near")]

    def __str__(self) -> str:
        return f"{self.service_id} @ {self.location_id}"


class ServicePoint(models.Model):
    """Derived search index: one row per active service at a located location, holding what the
    radius search reads (coordinates, band, category), so that a window is answered from one
    covering index without looking anything up. Rebuilt by `points.refresh_service_points`
    after every write of services, locations and their links (API, screens, HSDS import,
    admin); never written otherwise."""

    id = models.BigAutoField(primary_key=True)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    latitude = models.FloatField()
    longitude = models.FloatField()
    lat_band = models.SmallIntegerField()
    category = models.CharField(max_length=20)

    class Meta:
        indexes = [
            models.Index(
                fields=["lat_band", "longitude", "latitude", "category", "service", "location"],
                name="service_point_geo",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_id} @ {self.location_id}"


class Phone(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    organization = models.ForeignKey(
        DirectoryOrganization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="phones",
    )
    # E.164; or a short code or a number with letters as written (directory/phones.py).
    number = models.CharField(max_length=40)
    # HSDS `extension`: E.164 has no room for one, so it is kept apart (ASCII digits).
    extension = models.CharField(
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^[0-9]*$", "must be digits only")],
    )
    type = models.CharField(max_length=20, blank=True)
    description = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        """The number as shown and as the API answers it: "+48221234567 ext. 89"."""
        return f"{self.number} ext. {self.extension}" if self.extension else self.number

    @property
    def tel_uri(self) -> str:
        """RFC 3966: the extension as `;ext=`, which phones dial after the number."""
        number = self.number.replace(" ", "")
        return f"tel:{number};ext={self.extension}" if self.extension else f"tel:{number}"


class Schedule(models.Model):
    """HSDS `schedule`: iCalendar-style weekly opening (byday "MO,TU", opens_at "09:00")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    freq = models.CharField(max_length=10, blank=True)
    byday = models.CharField(max_length=40, blank=True)
    opens_at = models.CharField(max_length=8, blank=True)
    closes_at = models.CharField(max_length=8, blank=True)
    description = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.byday} {self.opens_at}-{self.closes_at}"


class ServiceLanguage(models.Model):
    """HSDS `language`: a language a service is offered in."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(max_length=3)
    name = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["code", "service"], name="service_language")]

    def __str__(self) -> str:
        return self.code


class RequiredDocument(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="required_documents"
    )
    document = models.CharField(max_length=300)

    def __str__(self) -> str:
        return self.document


class CostOption(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="cost_options")
    option = models.CharField(max_length=300, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    amount_description = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.option or str(self.amount)
