"""`--engine spark`: the same pipeline on Splink's Spark backend, in pyspark local mode.

One Spark session serves the module (starting one takes most of the time). The test is skipped,
saying why, only when pyspark is not installed or Spark cannot start (no Java).
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.spark

HEADER = "id,given_name,family_name,date_of_birth,sex,nationality,phone,place_of_birth"
INPUT = f"""{HEADER}
1,Mohammed,Ali,1990-03-04,male,EG,+201001234567,Cairo
2,محمد,علي,1990-03-04,m,EGY,01001234567,القاهرة
3,Pooja,Sharma,2001-05-06,female,IN,+919812345678,
4,पूजा,शर्मा,2001-05-06,female,IND,09812345678,
5,Mammadov,Orkhan,1988-07-01,male,AZ,+994501234567,
6,Орхан,Мамедов,1988-01-07,male,AZE,,
7,Olena,Kovalenko,1985-02-11,female,UA,+380501112233,Kyiv
8,Oksana,Kovalenko,1985-02-11,female,UA,+380501112233,Kyiv
9,Yusuf,Hassan,1975,male,SD,,
10,يوسف,حسن,1975-06-01,male,SDN,,
11,王,芳,,,,,
"""
QUERIES = f"""{HEADER}
q1,Muhammad,Aly,1990,male,EG,,
q2,Puja,Sharma,,female,IN,,
"""


@pytest.fixture(scope="module")
def spark_session() -> Iterator[Any]:
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (java is not on PATH)")
    try:
        from compatriot.linkage.engine import spark
    except ImportError as error:  # pragma: no cover
        pytest.skip(f"pyspark is not installed: {error}")
    try:
        session = spark.session(threads=2)
    except Exception as error:  # any failure to start is a reason to skip
        pytest.skip(f"Spark cannot start here: {error}")
    yield session
    session.stop()


def run(command: str, *args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue()


def clusters(path: Path) -> dict[str, str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["id"]: row["cluster_id"] for row in csv.DictReader(handle)}


def test_dedupe_on_spark_gives_the_clusters_duckdb_gives(
    spark_session: Any, tmp_path: Path
) -> None:
    source = tmp_path / "input.csv"
    source.write_text(INPUT, encoding="utf-8")
    on_spark, on_duckdb = tmp_path / "spark.csv", tmp_path / "duckdb.csv"
    summary = run("linkage_dedupe", str(source), "--output", str(on_spark), "--engine", "spark")
    run("linkage_dedupe", str(source), "--output", str(on_duckdb))
    found = clusters(on_spark)
    assert "11 records" in summary
    assert found == clusters(on_duckdb)
    assert found["1"] == found["2"]  # Latin and Arabic script
    assert found["3"] == found["4"]  # Latin and Devanagari
    assert found["5"] == found["6"]  # swapped names, Cyrillic, day and month swapped
    assert found["9"] == found["10"]  # Yusuf / يوسف
    assert found["7"] != found["8"]  # sisters: same family name, birthday, phone and town
    assert len(set(found.values())) == 7


def test_trace_on_spark_ranks_the_person_sought_first(spark_session: Any, tmp_path: Path) -> None:
    against, queries, output = (tmp_path / name for name in ("in.csv", "q.csv", "out.csv"))
    against.write_text(INPUT, encoding="utf-8")
    queries.write_text(QUERIES, encoding="utf-8")
    run("linkage_trace", str(queries), "--against", str(against), "--output", str(output),
        "--engine", "spark")  # fmt: skip
    with open(output, newline="", encoding="utf-8") as handle:
        best = {row["query_id"]: row["candidate_id"] for row in csv.DictReader(handle)
                if row["rank"] == "1"}  # fmt: skip
    assert best["q1"] in {"1", "2"}
    assert best["q2"] in {"3", "4"}
