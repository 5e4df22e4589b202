from __future__ import annotations

from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "compatriot.assistance"
    label = "assistance"
    verbose_name = "Assistance: requests, offers, matching"
