from __future__ import annotations

from django.apps import AppConfig


class ScenarioConfig(AppConfig):
    name = "compatriot.scenario"
    label = "scenario"
    verbose_name = "Demo and benchmark scenario"
