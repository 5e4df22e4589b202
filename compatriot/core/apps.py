from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "compatriot.core"
    label = "core"
    verbose_name = "Core: crises, organisations, access, audit"
