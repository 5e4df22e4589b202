from __future__ import annotations

from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "compatriot.linkage"
    label = "linkage"
    verbose_name = "Record linkage"

    def ready(self) -> None:
        # People may not import linkage (it sits below): linkage asks to be told when persons
        # are registered, and compares them with the crisis's other persons then.
        from compatriot.linkage.tasks import schedule_new_records
        from compatriot.people import registrations

        registrations.after_registration(schedule_new_records)
