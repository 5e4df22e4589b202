"""Start-up of a normalising worker process.

A spawned process starts from scratch and unpickles its initializer by importing its module
before anything else: this module therefore imports no models, only Django itself.
"""

from __future__ import annotations

import gc
import os

import django


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compatriot.settings")
    django.setup()
    # What start-up loaded (Django, every app, ~240,000 tracked objects) lives as long as the
    # worker: moved out of the collector's reach, so that its full collections walk only what
    # the rows left (measured: the collector's share of a worker 9.3 -> 6.6 µs per row).
    gc.freeze()
