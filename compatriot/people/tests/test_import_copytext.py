"""COPY text fields (format text), as the audit entries and new households are written."""

from __future__ import annotations

import pytest

from compatriot.people.imports.copytext import copy_escaped


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("Camp Nord", "Camp Nord"),
        ("", ""),
        ("a\tb\nc\rd\\e", "a\\tb\\nc\\rd\\\\e"),
        ("\\t is not a tab", "\\\\t is not a tab"),
        ("ïmport «q»", "ïmport «q»"),
    ],
)
def test_a_field_escapes_backslash_tab_and_line_ends(value: str, field: str) -> None:
    assert copy_escaped(value) == field
