from __future__ import annotations

from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "compatriot.linkage"
    label = "linkage"
    verbose_name = "Record linkage"

    def ready(self) -> None:
        # People may not import linkage (it sits below): linkage asks to be told when persons
        # are registered, and compares them with the crisis's other persons then.
        from compatriot.linkage.tasks import dedupe_new_records_soon, new_records_statement
        from compatriot.people import registrations

        # Its check (a finished whole-crisis job?) travels with the write where it can.
        registrations.after_registration(dedupe_new_records_soon, check=new_records_statement)
