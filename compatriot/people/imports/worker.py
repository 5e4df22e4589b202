"""Start-up of a normalising worker process.

A spawned process starts from scratch and unpickles its initializer by importing its module
before anything else: this module therefore imports no models, only Django itself.
"""

from __future__ import annotations

import os

import django


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compatriot.settings")
    django.setup()
