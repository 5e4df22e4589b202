from __future__ import annotations

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "compatriot.people"
    label = "people"
    verbose_name = "People: persons, households, needs, consent"
