#!/usr/bin/env python3
"""Checks a run's tables/datapackage.json with the Frictionless reference validator.

Usage: datapackage_valid.py RUN_DIR

Valid as a Data Package with Table Schema, every table's rows valid against its schema
(frictionless), and beyond what the validator asks: every table in tables/ is a resource, each
resource's fields are its CSV's columns in order, every field has a description, every count
field a unit, each resource names its query and holds the query's text, and the package holds
the run's provenance (as-of date, options, every input with its SHA-256). Exits 1 with every
problem listed.
"""

import csv
import json
import sys
from pathlib import Path

import frictionless

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    tables = Path(sys.argv[1]) / "tables"
    path = tables / "datapackage.json"
    problems = []
    report = frictionless.validate(str(path))
    if not report.valid:
        problems += [f"frictionless: {e.type}: {e.note}" for e in report.errors]
        for task in report.tasks:
            problems += [f"frictionless: {task.name}: {e.type}: {e.note}" for e in task.errors[:5]]
    package = json.loads(path.read_text())
    names = {r["name"] for r in package["resources"]}
    for csv_file in tables.glob("*.csv"):
        if csv_file.stem not in names:
            problems.append(f"{csv_file.name} is not a resource")
    for resource in package["resources"]:
        name = resource["name"]
        with open(tables / resource["path"], newline="") as f:
            header = next(csv.reader(f))
        fields = resource["schema"]["fields"]
        if [f["name"] for f in fields] != header:
            problems.append(f"{name}: fields {[f['name'] for f in fields]} are not the columns {header}")
        for field in fields:
            if not field.get("description", "").strip():
                problems.append(f"{name}.{field['name']}: no description")
            if field["type"] == "integer" and field["name"] not in resource["keys"] and not field.get("unit"):
                problems.append(f"{name}.{field['name']}: a count without a unit")
        query = ROOT / resource["query"]["path"]
        if not query.is_file() or query.read_text() != resource["query"]["sql"]:
            problems.append(f"{name}: the query text is not {resource['query']['path']}")
    run = package.get("clearstat", {})
    for key in ["version", "county", "as_of", "flow", "min_cell", "suppression_check", "population"]:
        if run.get(key) in (None, ""):
            problems.append(f"the package does not say the run's {key}")
    inputs = run.get("inputs") or []
    if not inputs or not all(len(i.get("sha256", "")) == 64 for i in inputs):
        problems.append("the package does not name every input with its SHA-256")
    for p in problems:
        print(p)
    print(f"{len(package['resources'])} resources checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
