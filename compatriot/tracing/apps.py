from __future__ import annotations

from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "compatriot.tracing"
    label = "tracing"
    verbose_name = "Tracing: family tracing requests and possible matches"

    def ready(self) -> None:
        # People may not import tracing (it sits below): tracing asks to be told, explicitly,
        # when persons are registered, and re-checks its open requests then.
        from compatriot.people import registrations
        from compatriot.tracing.tasks import active_request_statement, recheck_soon

        # Only a crisis with an active request has work: that read goes with the write.
        registrations.after_registration(recheck_soon, check=active_request_statement)
