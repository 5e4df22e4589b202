"""Directory test data made through the services, as a user would."""

from __future__ import annotations

from typing import Any

from compatriot.core.models import Organisation, Role
from compatriot.core.viewer import Viewer
from compatriot.directory.models import DiasporaProfile, Service
from compatriot.directory.schemas import ProfileIn, ServiceIn
from compatriot.directory.services import profile_create, service_create


def actor_for(organisation: Organisation, user: Any, role: str = Role.COORDINATOR) -> Viewer:
    return Viewer(user.id, organisation.id, organisation.kind, role, False, "test")


def profile_payload(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "network",
        "name": "Nigerian students network, Lublin",
        "origin_country": "NG",
        "origin_community": "Nigerian students",
        "country": "PL",
        "city": "Lublin",
        "latitude": 51.2465,
        "longitude": 22.5684,
        "community_size": 400,
        "channels": ["messaging_group", "faith_network"],
        "languages": ["en", "yo"],
        "contact_email": "lublin@example.org",
        "contact_phone": "+48 601 234 567",
        "contact_messaging": "WhatsApp group 'Naija Lublin'",
        "published_contact_fields": ["contact_email"],
        "is_published": True,
        "capacities": [
            {"kind": "shelter_beds", "quantity": 12},
            {"kind": "interpreters", "quantity": 3, "language": "uk"},
            {"kind": "funds", "quantity": 5000, "unit": "EUR"},
        ],
    }
    data.update(overrides)
    return data


def make_profile(actor: Viewer, **overrides: Any) -> DiasporaProfile:
    return profile_create(actor, data=ProfileIn(**profile_payload(**overrides)))


def service_payload(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organization": {"name": "Medyka border aid", "description": "Volunteers at the crossing."},
        "name": "Night shelter at the Medyka crossing",
        "description": "Warm beds for people arriving on foot.",
        "category": "shelter",
        "eligibility_description": "Everyone who crossed, any nationality.",
        "serves_third_country_nationals": True,
        "minimum_age": 0,
        "fees_description": "Free",
        "required_documents": ["Any identity document, or none"],
        "languages": ["uk", "pl", "en"],
        "phones": ["+48 16 671 0000"],
        "locations": [
            {"name": "Medyka tent 3", "latitude": 49.8035, "longitude": 23.0979, "country": "PL"},
            {
                "name": "Przemyśl station hall",
                "latitude": 49.7839,
                "longitude": 22.7764,
                "address_1": "Plac Legionów 1",
                "city": "Przemyśl",
                "state_province": "Podkarpackie",
                "postal_code": "37-700",
                "country": "PL",
            },
        ],
        "schedules": [
            {
                "freq": "WEEKLY",
                "byday": "MO,TU,WE,TH,FR,SA,SU",
                "opens_at": "18:00",
                "closes_at": "08:00",
            }
        ],
        "cost_options": [{"option": "Meal", "currency": "PLN", "amount": "12.50"}],
    }
    data.update(overrides)
    return data


def make_service(actor: Viewer, **overrides: Any) -> Service:
    return service_create(actor, data=ServiceIn(**service_payload(**overrides)))
