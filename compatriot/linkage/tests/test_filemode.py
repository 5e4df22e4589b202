"""`compatriot linkage dedupe` and `compatriot linkage trace` on files: formats, bad rows, models."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

HEADER = "id,given_name,family_name,date_of_birth,sex,nationality,phone,place_of_birth"
INPUT = f"""{HEADER}
1,Mohammed,Ali,1990-03-04,male,EG,+201001234567,Cairo
2,محمد,علي,1990-03-04,m,EGY,01001234567,القاهرة
3,Pooja,Sharma,2001-05-06,female,IN,+919812345678,
4,पूजा,शर्मा,2001-05-06,female,IND,09812345678,
5,Olena,Kovalenko,1985-02-11,female,UA,+380501112233,Kyiv
6,ნინო,ბერიძე,1979,F,GE,,თბილისი
7,王,芳,,,,,
8,,,,,,,
not,enough,fields
9,Ivan,Petrov,1990-13-45,male,ZZ,notaphone,
1,Repeated,Id,,,,,
,No,Id,,,,,
10,🙂,O'Brien-Smith,2000,female,IE,+353861234567,
"""


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def input_csv(tmp_path: Path) -> Path:
    path = tmp_path / "input.csv"
    path.write_text(INPUT, encoding="utf-8")
    return path


def test_dedupe_writes_one_row_per_readable_record_and_reports_bad_rows(
    input_csv: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out.csv"
    summary, errors = run("linkage_dedupe", str(input_csv), "--output", str(output))
    rows = read(output)
    assert output.read_text(encoding="utf-8").splitlines()[0] == "id,cluster_id"
    assert [row["id"] for row in rows] == [str(n) for n in range(1, 11)]
    cluster = {row["id"]: row["cluster_id"] for row in rows}
    assert cluster["1"] == cluster["2"] == "1"
    assert cluster["3"] == cluster["4"] == "3"
    assert len({cluster[i] for i in ("1", "3", "5", "6", "7", "8", "9", "10")}) == 8
    # Bad rows: reported with their line, left out; bad fields: reported, row kept.
    assert "line 10: row has 3 fields" in errors
    assert "line 12: row repeats the id of an earlier row" in errors
    assert "line 13: row has no id" in errors
    assert "line 11: date_of_birth is not a real date" in errors
    assert "line 11: nationality 'ZZ' is not an ISO 3166 country code" in errors
    assert "10 records, " in summary
    assert "clusters" in summary


def test_a_saved_model_is_reused(input_csv: Path, tmp_path: Path) -> None:
    model, first, second = tmp_path / "model.json", tmp_path / "a.csv", tmp_path / "b.csv"
    run("linkage_dedupe", str(input_csv), "--output", str(first), "--save-model", str(model))
    assert "probability_two_random_records_match" in json.loads(model.read_text())["splink"]
    run("linkage_dedupe", str(input_csv), "--output", str(second), "--model", str(model))
    assert read(first) == read(second)


def test_trace_ranks_candidates(input_csv: Path, tmp_path: Path) -> None:
    queries, output = tmp_path / "queries.csv", tmp_path / "out.csv"
    queries.write_text(f"{HEADER}\nq1,Мухаммед,Али,1990,,EG,,\nq2,,,,,,,\n", encoding="utf-8")
    summary, _ = run(
        "linkage_trace", str(queries), "--against", str(input_csv), "--output", str(output),
        "--top", "2",
    )  # fmt: skip
    rows = read(output)
    assert output.read_text(encoding="utf-8").splitlines()[0] == (
        "query_id,candidate_id,rank,probability"
    )
    first = [row for row in rows if row["query_id"] == "q1"]
    assert [row["rank"] for row in first] == ["1", "2"][: len(first)]
    assert {first[0]["candidate_id"], first[1]["candidate_id"]} == {"1", "2"}
    assert all(0 <= float(row["probability"]) <= 1 for row in rows)
    assert "pairs scored" in summary


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "the file is empty"), ("name,phone\nAli,1\n", "no 'id' column")],
)
def test_unreadable_files_are_refused_clearly(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "input.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run("linkage_dedupe", str(path), "--output", str(tmp_path / "out.csv"))


def test_bad_options_are_refused(input_csv: Path, tmp_path: Path) -> None:
    output = str(tmp_path / "out.csv")
    with pytest.raises(CommandError, match="--threshold"):
        run("linkage_dedupe", str(input_csv), "--output", output, "--threshold", "2")
    with pytest.raises(CommandError, match="no such file"):
        run("linkage_dedupe", str(tmp_path / "missing.csv"), "--output", output)
    with pytest.raises(CommandError, match="--top"):
        run("linkage_trace", str(input_csv), "--against", str(input_csv), "--output", output,
            "--top", "0")  # fmt: skip
