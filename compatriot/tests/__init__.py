"""Tests of the API layer itself (compatriot/api.py), which the domain apps' tests may not import."""
