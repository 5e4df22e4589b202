"""Load the demo crisis: its organisations, their staff, sharing agreements and registrations.

Idempotent: a second run finds what the first made (by name and by source record id) and
creates nothing twice.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from compatriot.core.models import (
    Crisis,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    SharingAgreement,
)
from compatriot.core.schemas import CrisisIn, OrganisationIn, SharingAgreementIn, TokenIn
from compatriot.core.services import (
    crisis_create,
    organisation_create,
    organisation_verify,
    sharing_agreement_create,
    token_create,
)
from compatriot.core.viewer import Viewer
from compatriot.people.imports.importer import import_rows
from compatriot.scenario.cases_demo import demo_cases
from compatriot.scenario.generator import CRISIS, ORGANISATIONS, ScenarioConfig, generate_rows

DEMO_PASSWORD = "compatriot-demo"  # noqa: S105  demo data only; refused with DEBUG=0
# Informal groups start unverified, as they would: a focal point verifies them later.
UNVERIFIED_KINDS = {OrganisationKind.COMMUNITY_GROUP}
PARTNER_KINDS = {
    OrganisationKind.INTERNATIONAL_ORGANISATION,
    OrganisationKind.NGO,
    OrganisationKind.NATIONAL_REFERRAL_MECHANISM,
}


@dataclass
class DemoSummary:
    crisis: Crisis
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, org, role
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    token: str = ""
    concerns: int = 0


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]


def _user(username: str, *, superuser: bool = False) -> Any:
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_superuser": superuser, "is_staff": superuser}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _admin_viewer() -> Viewer:
    admin = _user("admin", superuser=True)
    return Viewer(admin.id, None, None, None, True, "demo")


def _crisis(admin: Viewer) -> Crisis:
    existing = Crisis.objects.filter(name=CRISIS["name"]).first()
    return existing or crisis_create(admin, data=CrisisIn(**CRISIS))


def _organisation(
    admin: Viewer, spec: dict[str, Any], summary: DemoSummary
) -> tuple[Organisation, Viewer]:
    """The organisation, its admin (who registers it) and volunteer; returns the volunteer's Viewer."""
    base = slug(spec["name"])
    org_admin = _user(f"{base}.admin")
    organisation = Organisation.objects.filter(name=spec["name"]).first()
    if organisation is None:
        creator = Viewer(org_admin.id, None, None, None, False, "demo")
        organisation = organisation_create(creator, data=OrganisationIn(**spec))
        if spec["kind"] not in UNVERIFIED_KINDS:
            organisation_verify(admin, organisation_id=organisation.id)
    volunteer = _user(f"{base}.volunteer")
    Membership.objects.get_or_create(
        user=volunteer, organisation=organisation, defaults={"role": Role.VOLUNTEER}
    )
    summary.accounts += [
        (org_admin.username, organisation.name, Role.ADMIN),
        (volunteer.username, organisation.name, Role.VOLUNTEER),
    ]
    return organisation, Viewer(
        volunteer.id, organisation.id, organisation.kind, Role.VOLUNTEER, False, "demo"
    )


def _caseworker(organisation: Organisation) -> Viewer:
    user = _user(f"{slug(organisation.name)}.caseworker")
    Membership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"role": Role.CASEWORKER}
    )
    return Viewer(user.id, organisation.id, organisation.kind, Role.CASEWORKER, False, "demo")


def _share(organisations: list[Organisation], crisis: Crisis) -> None:
    """Every organisation shares with the partners that coordinate the response."""
    partners = [o for o in organisations if o.kind in PARTNER_KINDS]
    for provider in organisations:
        admin_membership = Membership.objects.filter(organisation=provider, role=Role.ADMIN).first()
        if admin_membership is None:
            continue
        actor = Viewer(
            admin_membership.user_id, provider.id, provider.kind, Role.ADMIN, False, "demo"
        )
        for recipient in partners:
            if (
                recipient == provider
                or SharingAgreement.objects.filter(provider=provider, recipient=recipient).exists()
            ):
                continue
            sharing_agreement_create(
                actor,
                data=SharingAgreementIn(
                    recipient_id=recipient.id,
                    crisis_id=crisis.id,
                    purpose="Coordination of assistance",
                ),
            )


def demo_load(
    *, persons: int, seed: int, progress: Callable[[int], None] | None = None
) -> DemoSummary:
    admin = _admin_viewer()
    with transaction.atomic():
        crisis = _crisis(admin)
        summary = DemoSummary(
            crisis=crisis, accounts=[("admin", "(platform)", "platform administrator")]
        )
        actors: dict[str, Viewer] = {}
        organisations = []
        for spec in ORGANISATIONS:
            organisation, volunteer = _organisation(admin, spec, summary)
            actors[organisation.name] = volunteer
            organisations.append(organisation)
        _share(organisations, crisis)
    rows_by_org: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in generate_rows(ScenarioConfig(persons=persons, seed=seed)):
        rows_by_org[row["organisation"]].append(row)
    for name, rows in rows_by_org.items():
        report = import_rows(actors[name], crisis_id=crisis.id, rows=rows)
        summary.created += report.created
        summary.updated += report.updated
        summary.unchanged += report.unchanged
        summary.rejected += len(report.rejected)
        if progress:
            progress(len(rows))
    summary.concerns = demo_cases(crisis, caseworker=_caseworker)
    summary.accounts += [
        (m.user.username, m.organisation.name, Role.CASEWORKER)
        for m in Membership.objects.filter(
            role=Role.CASEWORKER, user__username__endswith=".caseworker"
        ).select_related("user", "organisation")
    ]
    first_volunteer = actors[ORGANISATIONS[0]["name"]]
    summary.token = token_create(first_volunteer, data=TokenIn(name="demo")).secret
    return summary
