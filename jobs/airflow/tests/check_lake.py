"""Analysts' Python tools read an exocohort lake: delta-rs (``deltalake``), DuckDB and pandas.

    python check_lake.py LAKE JOB_RUNS.jsonl

JOB_RUNS.jsonl is ``jobs/exocohort sql --format json "SELECT job, run_id, rows_written FROM
exocohort.job_runs"`` (what the Java jobs reported). Every table of the lake must open with delta-rs (its
protocol and features are printed); the rows of ``mirna_expression`` and of the de run's ``de_results`` counted
with delta-rs, DuckDB (over delta-rs' Arrow dataset) and pandas must equal the counts the Java jobs recorded.
Exit 0 when all agree, 1 otherwise.
"""

import json
import pathlib
import sys

import duckdb
import pandas as pd
from deltalake import DeltaTable


def main(lake, job_runs_file):
    runs = [json.loads(line) for line in pathlib.Path(job_runs_file).read_text().splitlines() if line.strip()]
    by_job = {}
    for r in runs:
        by_job.setdefault(r["job"], []).append(r)
    problems = []

    tables = sorted(p.parent.name for p in pathlib.Path(lake).glob("*/_delta_log"))
    print(f"check_lake: {len(tables)} tables under {lake}")
    for name in tables:
        try:
            dt = DeltaTable(f"{lake}/{name}")
            p = dt.protocol()
            rows = dt.to_pyarrow_dataset().count_rows()
            props = dt.metadata().configuration
            print(f"  {name:22s} v{dt.version():<3d} {rows:8d} rows  reader {p.min_reader_version} writer "
                  f"{p.min_writer_version} features {p.writer_features} "
                  f"cdf={props.get('delta.enableChangeDataFeed')} "
                  f"constraints={sorted(k[len('delta.constraints.'):] for k in props if k.startswith('delta.constraints.'))}")
        except Exception as e:  # report exactly what delta-rs cannot read
            problems.append(f"delta-rs cannot read {name}: {type(e).__name__}: {e}")

    def expected(job, table):
        rs = by_job.get(job, [])
        if len(rs) != 1:
            problems.append(f"job_runs has {len(rs)} {job} runs, expected 1")
            return None, None
        return rs[0]["run_id"], int(rs[0]["rows_written"][table])

    if len(by_job.get("qc", [])) != 1:
        problems.append(f"job_runs has {len(by_job.get('qc', []))} qc runs, expected 1 (a re-run must not add one)")
    norm_id, n_expr = expected("normalize", "mirna_expression")
    de_id, n_de = expected("de", "de_results")
    if n_expr is not None and n_de is not None:
        expr = DeltaTable(f"{lake}/mirna_expression")
        de = DeltaTable(f"{lake}/de_results")
        expr_ds = expr.to_pyarrow_dataset()
        de_ds = de.to_pyarrow_dataset()
        con = duckdb.connect()
        con.register("mirna_expression", expr_ds)
        con.register("de_results", de_ds)
        counts = {
            "deltalake mirna_expression": expr_ds.count_rows(),
            "duckdb mirna_expression": con.execute(
                "SELECT count(*) FROM mirna_expression WHERE norm_run_id = ?", [norm_id]).fetchone()[0],
            "pandas mirna_expression": len(expr.to_pandas(columns=["cohort", "sample_id", "feature", "value"])),
            "deltalake de_results": de_ds.count_rows(),
            "duckdb de_results": con.execute(
                "SELECT count(*) FROM de_results WHERE run_id = ?", [de_id]).fetchone()[0],
            "pandas de_results": int((de.to_pandas(columns=["run_id"])["run_id"] == de_id).sum()),
        }
        for k, v in counts.items():
            want = n_expr if k.endswith("mirna_expression") else n_de
            status = "ok" if v == want else "MISMATCH"
            print(f"  {k:28s} {v:8d}  (Java reported {want}) {status}")
            if v != want:
                problems.append(f"{k}: {v} rows, the Java run reported {want}")
        # What an analyst does next: the top miRs of a contrast, in DuckDB and in pandas.
        top = con.execute(
            "SELECT contrast, feature, log2fc, padj FROM de_results WHERE run_id = ? AND method = 'moderated_t' "
            "ORDER BY pvalue LIMIT 3", [de_id]).fetchdf()
        print(top.to_string(index=False))
        frame = de.to_pandas(columns=["run_id", "method", "contrast", "padj"])
        frame = frame[(frame.run_id == de_id) & (frame.method == "moderated_t")]
        print(pd.Series(frame.groupby("contrast")["padj"].apply(lambda s: int((s < 0.05).sum())),
                        name="significant at 5% FDR").to_string())
        # The change data feed Delta keeps for each table, read back with delta-rs.
        cdf_rows = DeltaTable(f"{lake}/samples").load_cdf(starting_version=0).read_all().num_rows
        print(f"  change data feed of samples from version 0: {cdf_rows} rows")
        if cdf_rows <= 0:
            problems.append("no change data feed rows for samples")

    for p in problems:
        print(f"check_lake: {p}", file=sys.stderr)
    print("check_lake: " + ("all counts agree" if not problems else f"{len(problems)} problems"))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
