from __future__ import annotations

from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "compatriot.linkage"
    label = "linkage"
    verbose_name = "Record linkage"
