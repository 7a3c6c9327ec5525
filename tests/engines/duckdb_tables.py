#!/usr/bin/env python3
"""Recomputes every published table of a clearstat run in DuckDB and compares.

Usage: duckdb_tables.py RUN_DIR [EXPORT_DIR]

RUN_DIR is a finished `clearstat run ... --min-cell 0` (nothing withheld). In RUN_DIR, the
tables are registered exactly as the README's "Another engine" section says (its block marked
`duckdb-setup` is run as it is), then `reviewed` from queries/views/reviewed.sql, then each
query of queries/ runs and its answer is compared with clearstat's tables/NAME.parquet (read
by DuckDB too): same columns in the same order, same rows in the same order, whole numbers
equal, decimals within 1e-9 relative, nulls in the same cells. Exits 1 with every difference
listed, 0 when every table agrees.

With EXPORT_DIR (`clearstat export RUN_DIR --out EXPORT_DIR`), the tables are read from that
layout instead (the convictions as Hive partitions by county), as a cluster engine would.
"""

import math
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ROOT / "queries"
# Columns clearstat adds after the query (not part of the SQL's answer), beside the
# `<column>_suppressed` marks.
ADDED = {"population_vintage"}
# The views of queries/views/, in the order clearstat registers them (each may read the ones
# before it).
VIEWS = ["reviewed", "period_residents", "period_rates"]


def readme_setup() -> str:
    text = (ROOT / "README.md").read_text()
    found = re.search(r"<!-- duckdb-setup:[^>]*-->\s*```sql\n(.*?)```", text, re.S)
    if not found:
        sys.exit("README.md has no block marked duckdb-setup")
    return found.group(1)


def export_setup(exported: Path) -> str:
    """The README's registration, over the layout of `clearstat export`."""
    race_map = f"read_csv('{exported}/race_map.csv', header = true, all_varchar = true)"
    views = []
    for view, files in [
        ("convictions", f"read_parquet('{exported}/convictions/*/*.parquet', hive_partitioning = true)"),
        ("subjects", f"read_parquet('{exported}/subjects/*.parquet')"),
    ]:
        views.append(
            f"create view {view} as select t.*, coalesce(m.\"group\", 'UNKNOWN') as race_group "
            f"from {files} as t left join {race_map} as m "
            f"on upper(cast(t.race_code as varchar)) = m.race_code;"
        )
    for view in ["baseline", "population"]:
        views.append(f"create view {view} as select * from read_parquet('{exported}/{view}/*.parquet');")
    return "\n".join(views)


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= 1e-9 * max(abs(a), abs(b)) or a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int,)) and isinstance(b, (int,)):
        return a == b
    return str(a) == str(b)


def compare(name: str, con, sql: str) -> list:
    mine = con.execute(sql)
    columns = [d[0] for d in mine.description]
    rows = mine.fetchall()
    theirs = con.execute(f"select * from 'tables/{name}.parquet'")
    their_columns = [d[0] for d in theirs.description]
    their_rows = theirs.fetchall()
    problems = []
    marks = [i for i, c in enumerate(their_columns) if c.endswith("_suppressed")]
    for i in marks:
        if any(r[i] for r in their_rows):
            problems.append(f"{name}: {their_columns[i]} marks a cell in a run that withholds none")
    kept = [i for i, c in enumerate(their_columns) if c not in ADDED and i not in marks]
    their_columns = [their_columns[i] for i in kept]
    their_rows = [tuple(r[i] for i in kept) for r in their_rows]
    if columns != their_columns:
        return problems + [f"{name}: columns differ\n  duckdb:    {columns}\n  clearstat: {their_columns}"]
    if len(rows) != len(their_rows):
        return problems + [f"{name}: {len(rows)} rows in duckdb, {len(their_rows)} in clearstat"]
    for r, (row, their_row) in enumerate(zip(rows, their_rows)):
        for c, (a, b) in enumerate(zip(row, their_row)):
            if not same(a, b):
                problems.append(
                    f"{name}: row {r} ({row[0]!r}), column {columns[c]}: duckdb {a!r}, clearstat {b!r}"
                )
    return problems


def main() -> int:
    import duckdb  # here, so that benches/spark can use this module's helpers without it

    run = Path(sys.argv[1]).resolve()
    exported = Path(sys.argv[2]).resolve() if len(sys.argv) > 2 else None
    os.chdir(run)
    con = duckdb.connect()
    con.execute(export_setup(exported) if exported else readme_setup())
    for view in VIEWS:
        con.execute(f"create view {view} as " + (QUERIES / "views" / f"{view}.sql").read_text())
    problems = []
    names = sorted(p.stem for p in QUERIES.glob("*.sql"))
    for name in names:
        problems += compare(name, con, (QUERIES / f"{name}.sql").read_text())
    for p in problems[:200]:
        print(p)
    print(f"{len(names)} tables compared, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
