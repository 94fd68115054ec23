"""Analysts' Python tools read an exocohort lake: delta-rs (``deltalake``), DuckDB and pandas.

    python check_lake.py LAKE JOB_RUNS.jsonl

JOB_RUNS.jsonl is ``jobs/exocohort sql --format json "SELECT job, run_id, rows_written, view_values, view_sum
FROM ..."`` (run.sh: what the Java jobs reported in job_runs, and for each run the values of the view
mirna_expression that Spark SQL shows for it). Every table of the lake must open with delta-rs (its protocol and
features are printed). The normalised miR values are read long from the matrix, as docs/tables.md shows:
DuckDB unnests ``mirna_matrix.entries`` beside ``mirna_matrix_samples.sample_ids`` (over delta-rs' Arrow
datasets: no DuckDB extension to download), pandas explodes both lists. Both must give the number of values Spark
SQL's view gives for the normalize run, the same (cohort, sample, miR, value) rows as each other, and a sum within
1e-9 of Spark's; the matrix rows must be what the normalize run recorded; the de run's ``de_results`` rows counted
with delta-rs, DuckDB and pandas must equal what the de run recorded. Exit 0 when all agree, 1 otherwise.
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
    norm_id, n_matrix = expected("normalize", "mirna_matrix")
    de_id, n_de = expected("de", "de_results")
    if n_matrix is not None and n_de is not None:
        norm = by_job["normalize"][0]
        n_expr, spark_sum = int(norm.get("view_values", 0)), float(norm.get("view_sum", "nan"))
        matrix = DeltaTable(f"{lake}/mirna_matrix")
        index = DeltaTable(f"{lake}/mirna_matrix_samples")
        de = DeltaTable(f"{lake}/de_results")
        de_ds = de.to_pyarrow_dataset()
        con = duckdb.connect()
        con.register("mirna_matrix", matrix.to_pyarrow_dataset())
        con.register("mirna_matrix_samples", index.to_pyarrow_dataset())
        con.register("de_results", de_ds)
        # docs/tables.md: two unnests in one SELECT are zipped (the k-th entry with the k-th sample id)
        duck = con.execute(
            "SELECT m.cohort, unnest(s.sample_ids) AS sample_id, m.feature, unnest(m.entries) AS value "
            "FROM mirna_matrix m JOIN mirna_matrix_samples s USING (cohort, block, norm_run_id) "
            "WHERE m.norm_run_id = ?", [norm_id]).fetchdf()
        m = matrix.to_pandas(columns=["cohort", "block", "feature", "entries", "norm_run_id"])
        s = index.to_pandas(columns=["cohort", "block", "sample_ids", "norm_run_id"])
        both = m[m.norm_run_id == norm_id].merge(s, on=["cohort", "block", "norm_run_id"])
        panda = both.explode(["sample_ids", "entries"]).rename(columns={"sample_ids": "sample_id", "entries": "value"})
        panda = panda[["cohort", "sample_id", "feature", "value"]].astype({"value": "float64"})
        counts = {
            "duckdb mirna_matrix rows": con.execute(
                "SELECT count(*) FROM mirna_matrix WHERE norm_run_id = ?", [norm_id]).fetchone()[0],
            "duckdb mirna_expression": len(duck),
            "pandas mirna_expression": len(panda),
            "deltalake de_results": de_ds.count_rows(),
            "duckdb de_results": con.execute(
                "SELECT count(*) FROM de_results WHERE run_id = ?", [de_id]).fetchone()[0],
            "pandas de_results": int((de.to_pandas(columns=["run_id"])["run_id"] == de_id).sum()),
        }
        for k, v in counts.items():
            want = n_matrix if k.endswith("rows") else n_expr if k.endswith("mirna_expression") else n_de
            status = "ok" if v == want else "MISMATCH"
            print(f"  {k:28s} {v:8d}  (Java reported {want}) {status}")
            if v != want:
                problems.append(f"{k}: {v} rows, the Java run reported {want}")
        # the same values: every (cohort, sample, miR) with the same double, and sums as Spark's view
        keys = ["cohort", "sample_id", "feature"]
        a = duck.sort_values(keys).reset_index(drop=True)
        b = panda.sort_values(keys).reset_index(drop=True)
        same = len(a) == len(b) and (a[keys].astype(str).to_numpy() == b[keys].astype(str).to_numpy()).all() \
            and (a.value.to_numpy() == b.value.to_numpy()).all()
        print(f"  duckdb and pandas values     {'identical' if same else 'DIFFER'}")
        if not same:
            problems.append("duckdb and pandas read different (cohort, sample_id, feature, value) rows")
        if a.duplicated(keys).any():
            problems.append("a (cohort, sample_id, feature) appears twice in the long rows")
        for k, v in {"duckdb": float(a.value.sum()), "pandas": float(b.value.sum())}.items():
            ok = abs(v - spark_sum) <= 1e-9 * max(1.0, abs(spark_sum))
            print(f"  {k + ' sum of values':28s} {v:.6f}  (Spark view {spark_sum:.6f}) {'ok' if ok else 'MISMATCH'}")
            if not ok:
                problems.append(f"{k}: sum of values {v}, Spark's view gives {spark_sum}")
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
