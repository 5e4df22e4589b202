"""File mode: `compatriot assistance match`, its formats and its per-row errors."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from compatriot.assistance.engine.files import (
    OFFER_COLUMNS,
    REQUEST_COLUMNS,
    read_offers,
    read_requests,
)

REQUESTS = """id,category,people,lat,lon,languages,earliest,latest,priority,requires
R1,shelter_bed,3,49.78,22.77,uk;ru,2022-03-01T08:00:00+00:00,2022-03-03,2,child_friendly
R2,interpreter,1,49.80,22.93,yo;en,,,5,
R3,shelter_bed,2,49.79,22.76,uk,,,1,
"""
OFFERS = """id,category,capacity,lat,lon,radius_km,languages,available_from,available_until,tags
O1,shelter_bed,4,49.7838,22.7678,25,pl;uk,2022-03-01,2022-03-10,child_friendly;pets
O2,interpreter,5,49.80,22.93,300,en;pl,,,
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(tmp_path: Path, requests: str, offers: str, *extra: str) -> tuple[str, str, list[dict]]:
    out, err = StringIO(), StringIO()
    output = tmp_path / "A.csv"
    call_command(
        "assistance_match",
        "--requests",
        str(write(tmp_path, "R.csv", requests)),
        "--offers",
        str(write(tmp_path, "O.csv", offers)),
        "--output",
        str(output),
        *extra,
        stdout=out,
        stderr=err,
    )
    with output.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return out.getvalue(), err.getvalue(), rows


def test_match_writes_allocations_and_a_summary(tmp_path):
    out, err, rows = run(tmp_path, REQUESTS, OFFERS)
    assert err == ""
    assert {(r["request_id"], r["offer_id"], r["people"]) for r in rows} == {
        ("R1", "O1", "3"),
        ("R2", "O2", "1"),
    }
    assert list(rows[0]) == ["request_id", "offer_id", "people"]
    assert "weighted people served 22" in out  # R1: 3 x 2, R2: 1 x 16
    assert "LP upper bound 23, ratio 0.9565" in out  # half of R3 takes the 4th bed in the LP
    assert "time" in out


def test_explanations_file_says_why(tmp_path):
    explain = tmp_path / "E.csv"
    run(tmp_path, REQUESTS, OFFERS, "--explain", str(explain))
    with explain.open(encoding="utf-8") as handle:
        rows = {r["request_id"]: r for r in csv.DictReader(handle)}
    assert rows["R3"]["status"] == "unmatched"
    assert rows["R3"]["blocker"] == "all_full"
    assert "shared language en" in rows["R2"]["reason"]


def test_bad_rows_are_reported_per_row_and_the_rest_is_matched(tmp_path):
    bad = REQUESTS + (
        "R4,shelter_bed,two,49.7,22.7,uk,,,1,\n"
        "R5,spaceship,1,49.7,22.7,uk,,,1,\n"
        "R6,shelter_bed,1,95,22.7,uk,,,1,\n"
        "R7,shelter_bed,1,49.7,22.7,xx,,,1,\n"
        "R8,shelter_bed,1,49.7,22.7,uk,2022-03-05,2022-03-01,1,\n"
        "R9,shelter_bed,1,49.7,22.7,uk,,,9,\n"
        "R10,shelter_bed,1,49.7,22.7,uk,,,1,jacuzzi\n"
        "R1,shelter_bed,1,49.7,22.7,uk,,,1,\n"
        "R11,shelter_bed,1,49.7,22.7,uk,yesterday,,1,\n"
    )
    out, err, rows = run(tmp_path, bad, OFFERS)
    lines = err.strip().splitlines()
    assert lines == [
        "requests line 5: people: 'two' is not a whole number",
        "requests line 6: category: 'spaceship' is not one of evacuation_seat, transport, "
        "shelter_bed, interpreter, legal_aid, medical, goods",
        "requests line 7: lat: 95 is not between -90 and 90",
        "requests line 8: languages: 'xx' is not an ISO 639 language code",
        "requests line 9: latest: latest is before earliest",
        "requests line 10: priority: 9 is not between 1 and 5",
        "requests line 11: requires: 'jacuzzi' is not one of wheelchair, women_only, "
        "child_friendly, pets",
        "requests line 12: id: 'R1' repeats line 2",
        "requests line 13: earliest: 'yesterday' is not an ISO 8601 date or time",
    ]
    assert {r["request_id"] for r in rows} == {"R1", "R2"}
    assert "requests 3" in out


def test_a_file_without_a_required_column_is_refused(tmp_path):
    with pytest.raises(CommandError, match="missing column: radius_km"):
        run(tmp_path, REQUESTS, OFFERS.replace("radius_km", "radius"))


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "R.csv"
    path.write_bytes(REQUESTS.encode("utf-8") + b"R9,shelter_bed,1,1,1,\xff,,,1,\n")
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command(
            "assistance_match",
            "--requests",
            str(path),
            "--offers",
            str(write(tmp_path, "O.csv", OFFERS)),
            "--output",
            str(tmp_path / "A.csv"),
            stdout=StringIO(),
            stderr=StringIO(),
        )


def test_confirmed_allocations_are_kept_in_file_mode(tmp_path):
    confirmed = write(tmp_path, "C.csv", "request_id,offer_id,people\nR3,O1,2\n")
    _, _, rows = run(tmp_path, REQUESTS, OFFERS, "--confirmed", str(confirmed))
    got = {(r["request_id"], r["offer_id"], r["people"]) for r in rows}
    assert ("R3", "O1", "2") in got
    assert ("R1", "O1", "3") not in got  # only 2 of O1's 4 beds were left for R1's household


def test_columns_in_any_order_and_case(tmp_path):
    header = ",".join(reversed([c.upper() for c in REQUEST_COLUMNS]))
    row = ",".join(reversed(["R1", "shelter_bed", "1", "49.78", "22.77", "uk", "", "", "1", ""]))
    requests, errors = read_requests(write(tmp_path, "R.csv", f"{header}\n{row}\n"))
    assert errors == []
    assert requests[0].people == 1
    offers, errors = read_offers(write(tmp_path, "O.csv", ",".join(OFFER_COLUMNS) + "\n"))
    assert (offers, errors) == ([], [])
