"""Compatriot: coordination platform for migrants in countries in crisis."""

from __future__ import annotations

from compatriot.celery import app as celery_app

__all__ = ["celery_app"]
