"""HSDS 3.0 data packages on disk: write, read and validate them.

A package is a folder. CSV: the specification's `datapackage.json` with one CSV file per table
(the tables Compatriot does not keep are written with their header only). JSON: `hsds.json`,
one list of records per table. Validation works as the specification's own CI does:
frictionless on the CSV data package, JSON Schema (the per-table schema files, with format
checks) on every record. Every problem is reported by file, row, field and reason.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

from compatriot.directory.hsds.problems import HsdsInvalidError, Problem
from compatriot.directory.hsds.records import TABLES, Records

SCHEMA_DIR = Path(__file__).parent / "schema"
JSON_FILE = "hsds.json"
DESCRIPTOR = "datapackage.json"


@cache
def descriptor() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMA_DIR / DESCRIPTOR).read_text(encoding="utf-8"))
    return loaded


def _resources() -> dict[str, dict[str, Any]]:
    return {resource["name"]: resource for resource in descriptor()["resources"]}


@cache
def _validator(table: str) -> Any:
    from jsonschema import Draft202012Validator, FormatChecker

    schema = json.loads((SCHEMA_DIR / f"{table}.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_package(records: Records, path: Path, *, fmt: str) -> list[Path]:
    path.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        target = path / JSON_FILE
        target.write_text(
            json.dumps({t: records.get(t, []) for t in TABLES}, ensure_ascii=False, indent=1)
            + "\n",
            encoding="utf-8",
        )
        return [target]
    written = [path / DESCRIPTOR]
    written[0].write_text(json.dumps(descriptor(), indent=2) + "\n", encoding="utf-8")
    for name, resource in _resources().items():
        columns = [field["name"] for field in resource["schema"]["fields"]]
        target = path / resource["path"]
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            for record in records.get(name, []):
                writer.writerow([_csv_value(record.get(column)) for column in columns])
        written.append(target)
    return written


def _typed(value: str, field: dict[str, Any]) -> Any:
    """A CSV cell as the JSON value the record schema expects ("" is absent)."""
    if value == "":
        return None
    if field["type"] in {"number", "integer"}:
        try:
            number = float(value)
        except ValueError:
            return value  # left for the schema to reject with its own words
        return int(number) if field["type"] == "integer" and number.is_integer() else number
    return value


def _read_csv(path: Path, problems: list[Problem]) -> Records:
    records: Records = {}
    for name, resource in _resources().items():
        fields = {field["name"]: field for field in resource["schema"]["fields"]}
        file = path / resource["path"]
        rows: list[dict[str, Any]] = []
        if file.exists():
            with file.open(encoding="utf-8-sig", newline="") as handle:
                for row in csv.DictReader(handle):
                    record = {
                        key: _typed(value or "", fields[key])
                        for key, value in row.items()
                        if key in fields and value not in (None, "")
                    }
                    rows.append(record)
        records[name] = rows
    return records


def _frictionless_problems(path: Path) -> list[Problem]:
    from frictionless import Package, system

    # Validate against the specification's descriptor, whatever the package folder holds, and
    # never let frictionless reach out of the folder (no network here).
    with system.use_context(trusted=False):
        package = Package(descriptor(), basepath=str(path))
        report = package.validate()
    problems = [
        Problem(
            file=Path(task.place).name if task.place else "",
            row=_data_row(getattr(error, "row_number", None)),
            field=getattr(error, "field_name", "") or "",
            reason=f"{error.type}: {error.note}",
        )
        for task in report.tasks
        for error in task.errors
    ]
    problems += [Problem(DESCRIPTOR, None, "", f"{e.type}: {e.note}") for e in report.errors]
    return problems


def _data_row(row_number: int | None) -> int | None:
    """frictionless counts the header as row 1; a problem names the data row."""
    return None if row_number is None else row_number - 1


def record_problems(records: Records, *, csv_files: bool) -> list[Problem]:
    resources = _resources()
    return [
        _schema_problem(resources[table]["path"] if csv_files else f"{JSON_FILE}:{table}", n, e)
        for table in TABLES
        for n, record in enumerate(records.get(table, []), start=1)
        for e in _validator(table).iter_errors(record)
    ]


def _schema_problem(where: str, number: int, error: Any) -> Problem:
    field = ".".join(str(p) for p in error.absolute_path)
    if not field and error.validator == "required" and "'" in error.message:
        field = error.message.split("'")[1]
    reason = error.message if len(error.message) < 300 else error.message[:300] + "…"
    return Problem(where, number, field, reason)


def read_package(path: Path) -> Records:
    """The records of a package folder (or hsds.json file), validated; HsdsInvalidError lists
    every problem when there is any."""
    if path.is_file() and path.suffix == ".json" and path.name != DESCRIPTOR:
        path, csv_files = path, False
    elif (path / JSON_FILE).exists() and not (path / DESCRIPTOR).exists():
        path, csv_files = path / JSON_FILE, False
    elif (path / DESCRIPTOR).exists():
        csv_files = True
    else:
        raise HsdsInvalidError([Problem(str(path), None, "", "no datapackage.json or hsds.json")])
    problems: list[Problem] = []
    if csv_files:
        problems += _frictionless_problems(path)
        records = _read_csv(path, problems)
    else:
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise HsdsInvalidError([Problem(path.name, None, "", str(error))]) from error
        if not isinstance(loaded, dict) or not all(
            isinstance(v, list) and all(isinstance(r, dict) for r in v) for v in loaded.values()
        ):
            raise HsdsInvalidError(
                [Problem(path.name, None, "", "expected {table: [record, ...]}")]
            )
        unknown = sorted(set(loaded) - set(TABLES))
        problems += [Problem(path.name, None, name, "not an HSDS 3.0 table") for name in unknown]
        records = {table: loaded.get(table, []) for table in TABLES}
    problems += record_problems(records, csv_files=csv_files)
    if problems:
        raise HsdsInvalidError(problems)
    return records
