from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "compatriot.core"
    label = "core"
    verbose_name = "Core: crises, organisations, access, audit"

    def ready(self) -> None:
        from compatriot.core.thread_locals import (
            speed_up_connection_lookups,
            speed_up_request_locals,
        )

        speed_up_connection_lookups()
        speed_up_request_locals()
