"""Start-up of a normalising worker process.

A spawned process starts from scratch and unpickles its initializer by importing its module
before anything else: this module therefore imports no models, only Django itself.
"""

from __future__ import annotations

import gc
import os

import django

YOUNG_THRESHOLD = 20_000


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compatriot.settings")
    django.setup()
    # What start-up loaded (Django, every app, ~240,000 tracked objects) lives as long as the
    # worker: moved out of the collector's reach, so that its full collections walk only what
    # the rows left (measured: the collector's share of a worker 9.3 -> 6.6 µs per row).
    gc.freeze()
    # A young collection after 20,000 new containers rather than 700: as the older generations
    # are collected after so many younger collections, every generation is collected about 30
    # times less often, and each collection walks what the chunks keep alive (their results,
    # the caches' growth). Measured: the collector's share of a worker 1.4 -> 0.2 µs per row
    # (docs/benchmarks.md, branch importwk4); a young generation costs at most a few MB more.
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
