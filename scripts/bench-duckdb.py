#!/usr/bin/env python3
"""bench-duckdb.py: the SQL side of scripts/bench (run with the venv's python, which has duckdb).

  bench-duckdb.py run SQL MEMBERS ACTIVITIES OUT   runs the query (scripts/bench-fengjie.sql) with
                                                   the paths filled in; DuckDB writes OUT (CSV)
  bench-duckdb.py compare DUCKDB_CSV LVZHI_CSV     checks that every member has the same score in
                                                   both (exact decimals); exit 1 and the first
                                                   differences otherwise
"""
import csv
import sys
from decimal import Decimal


def run(sql_path, members, activities, out):
    import duckdb
    sql = open(sql_path, encoding="utf-8").read()
    for key, value in (("@MEMBERS@", members), ("@ACTIVITIES@", activities), ("@OUT@", out)):
        sql = sql.replace(key, value.replace("'", "''"))
    duckdb.connect().execute(sql)


def read_scores(path, id_cols, score_cols):
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        i = next(header.index(c) for c in id_cols if c in header)
        s = next(header.index(c) for c in score_cols if c in header)
        return {r[i]: Decimal(r[s]) for r in rows if r}


def compare(duck_csv, lvzhi_csv):
    duck = read_scores(duck_csv, ["member_id"], ["score"])
    # scores.csv's score column (zh or en header), shown with the rule file's decimals (2 by
    # default; Rules/fengjie.yaml's scores have at most one)
    lv = read_scores(lvzhi_csv, ["委员编号", "member_id"], ["总分", "score"])
    diffs = [(m, duck.get(m), lv.get(m)) for m in sorted(set(duck) | set(lv)) if duck.get(m) != lv.get(m)]
    if diffs:
        print(f"DuckDB and lvzhi differ for {len(diffs)} of {len(lv)} members:", file=sys.stderr)
        for m, d, l in diffs[:10]:
            print(f"  {m}: duckdb {d}, lvzhi {l}", file=sys.stderr)
        sys.exit(1)
    print(f"same scores for all {len(lv)} members")


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "run":
        run(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(*sys.argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
