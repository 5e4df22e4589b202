"""Crises, organisations, memberships, API tokens and sharing agreements."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Query, Router, Status

from compatriot.core import selectors, services
from compatriot.core.claims import TokenClaim, confirmed
from compatriot.core.models import ApiToken, Membership
from compatriot.core.schemas import (
    CrisisIn,
    CrisisOut,
    CrisisPatch,
    MembershipIn,
    MembershipOut,
    MembershipPatch,
    OrganisationFilter,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    SharingAgreementIn,
    SharingAgreementOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)
from compatriot.core.viewer import Viewer
from compatriot.pagination import Page, PageParams, paginate

router = Router()


def viewer_of(request: HttpRequest) -> Viewer:
    """The caller, its token confirmed: a claim (made only by BearerToken(claims=True)) is looked
    up afresh here, so no view acts on one unconfirmed."""
    return confirmed(request.auth)  # type: ignore[attr-defined]  # set by the API's auth


def viewer_or_claim_of(request: HttpRequest) -> Viewer | TokenClaim:
    """Only for a view whose service confirms a claim in the write's own round trip."""
    return request.auth  # type: ignore[attr-defined]  # set by the API's auth


@router.post("/crises", response={201: CrisisOut}, tags=["crises"])
def create_crisis(request: HttpRequest, data: CrisisIn) -> Status:
    return Status(201, services.crisis_create(viewer_of(request), data=data))


@router.get("/crises", response=Page[CrisisOut], tags=["crises"])
def list_crises(request: HttpRequest, page: Query[PageParams]) -> dict[str, object]:
    return paginate(selectors.crisis_list(viewer_of(request)), page)


@router.get("/crises/{crisis_id}", response=CrisisOut, tags=["crises"])
def get_crisis(request: HttpRequest, crisis_id: uuid.UUID) -> object:
    return selectors.crisis_get(viewer_of(request), crisis_id=crisis_id)


@router.patch("/crises/{crisis_id}", response=CrisisOut, tags=["crises"])
def update_crisis(request: HttpRequest, crisis_id: uuid.UUID, data: CrisisPatch) -> object:
    return services.crisis_update(viewer_of(request), crisis_id=crisis_id, data=data)


@router.post("/organisations", response={201: OrganisationOut}, tags=["organisations"])
def create_organisation(request: HttpRequest, data: OrganisationIn) -> Status:
    return Status(201, services.organisation_create(viewer_of(request), data=data))


@router.get("/organisations", response=Page[OrganisationOut], tags=["organisations"])
def list_organisations(
    request: HttpRequest, filters: Query[OrganisationFilter], page: Query[PageParams]
) -> dict[str, object]:
    organisations = selectors.organisation_list(
        viewer_of(request), kind=filters.kind, country=filters.country
    )
    return paginate(organisations, page)


@router.get("/organisations/{organisation_id}", response=OrganisationOut, tags=["organisations"])
def get_organisation(request: HttpRequest, organisation_id: uuid.UUID) -> object:
    return selectors.organisation_get(viewer_of(request), organisation_id=organisation_id)


@router.patch("/organisations/{organisation_id}", response=OrganisationOut, tags=["organisations"])
def update_organisation(
    request: HttpRequest, organisation_id: uuid.UUID, data: OrganisationPatch
) -> object:
    return services.organisation_update(
        viewer_of(request), organisation_id=organisation_id, data=data
    )


@router.post(
    "/organisations/{organisation_id}/verify", response=OrganisationOut, tags=["organisations"]
)
def verify_organisation(request: HttpRequest, organisation_id: uuid.UUID) -> object:
    return services.organisation_verify(viewer_of(request), organisation_id=organisation_id)


def _membership_out(membership: Membership) -> dict[str, object]:
    return {
        "id": membership.id,
        "username": membership.user.get_username(),
        "role": membership.role,
        "is_active": membership.is_active,
        "created_at": membership.created_at,
    }


@router.get(
    "/organisations/{organisation_id}/members",
    response=list[MembershipOut],
    tags=["organisations"],
)
def list_members(request: HttpRequest, organisation_id: uuid.UUID) -> list[dict[str, object]]:
    members = selectors.membership_list(viewer_of(request), organisation_id=organisation_id)
    return [_membership_out(membership) for membership in members]


@router.post(
    "/organisations/{organisation_id}/members",
    response={201: MembershipOut},
    tags=["organisations"],
)
def add_member(request: HttpRequest, organisation_id: uuid.UUID, data: MembershipIn) -> Status:
    membership = services.membership_add(
        viewer_of(request), organisation_id=organisation_id, data=data
    )
    return Status(201, _membership_out(membership))


@router.patch(
    "/organisations/{organisation_id}/members/{membership_id}",
    response=MembershipOut,
    tags=["organisations"],
)
def update_member(
    request: HttpRequest,
    organisation_id: uuid.UUID,
    membership_id: uuid.UUID,
    data: MembershipPatch,
) -> dict[str, object]:
    membership = services.membership_update(
        viewer_of(request), organisation_id=organisation_id, membership_id=membership_id, data=data
    )
    return _membership_out(membership)


def _token_out(token: ApiToken) -> dict[str, object]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "organisation_id": token.organisation_id,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


@router.get("/tokens", response=list[TokenOut], tags=["tokens"])
def list_tokens(request: HttpRequest) -> list[dict[str, object]]:
    return [_token_out(token) for token in selectors.token_list(viewer_of(request))]


@router.post("/tokens", response={201: TokenCreatedOut}, tags=["tokens"])
def create_token(request: HttpRequest, data: TokenIn) -> Status:
    created = services.token_create(viewer_of(request), data=data)
    return Status(201, {**_token_out(created.token), "token": created.secret})


@router.post("/tokens/{token_id}/revoke", response=TokenOut, tags=["tokens"])
def revoke_token(request: HttpRequest, token_id: uuid.UUID) -> dict[str, object]:
    return _token_out(services.token_revoke(viewer_of(request), token_id=token_id))


@router.get("/sharing-agreements", response=list[SharingAgreementOut], tags=["sharing"])
def list_sharing_agreements(request: HttpRequest) -> object:
    return list(selectors.sharing_agreement_list(viewer_of(request)))


@router.post("/sharing-agreements", response={201: SharingAgreementOut}, tags=["sharing"])
def create_sharing_agreement(request: HttpRequest, data: SharingAgreementIn) -> Status:
    return Status(201, services.sharing_agreement_create(viewer_of(request), data=data))


@router.post(
    "/sharing-agreements/{agreement_id}/revoke", response=SharingAgreementOut, tags=["sharing"]
)
def revoke_sharing_agreement(request: HttpRequest, agreement_id: uuid.UUID) -> object:
    return services.sharing_agreement_revoke(viewer_of(request), agreement_id=agreement_id)
