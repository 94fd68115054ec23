#!/usr/bin/env bash
# The Airflow DAG under a real Airflow, and the lake it writes read by analysts' Python tools.
#
#   jobs/airflow/tests/run.sh            (.ci/run calls it after mvn verify; needs the build of jobs/exocohort)
#   jobs/airflow/tests/run.sh --venv     (step 1 only: .ci/run makes the environment while mvn verify runs)
#
# 1. A virtual environment (.ci/venv, kept between runs; EXOCOHORT_AIRFLOW_VENV to move it) with Apache Airflow
#    and deltalake, duckdb, pandas. From scratch: about 1.5 minutes (pip from PyPI).
# 2. The DAG compiles (py_compile) and imports without errors (airflow dags list-import-errors).
# 3. `airflow dags test exocohort <a Monday>` in a temporary AIRFLOW_HOME (sqlite) against a temporary lake and
#    a drop folder holding one cohort of sample-data, the tasks' commands going to one `jobs/exocohort serve`
#    process started for the test: ingest, qc, normalize and de must succeed; train and score succeed, or are
#    skipped when this exocohort has no such subcommand yet; every stage's command must have run in the server.
# 4. Re-running qc for the same day changes nothing (its run id is in job_runs: the job exits 3, the task succeeds).
# 5. check_lake.py reads the lake with deltalake, duckdb and pandas (the miR values long from the matrix: DuckDB
#    unnest, pandas explode) and compares the counts with what the Java jobs recorded in job_runs and the values
#    with each other and with Spark SQL's view mirna_expression.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
AIRFLOW_VERSION=3.3.2
VENV="${EXOCOHORT_AIRFLOW_VENV:-$HERE/.ci/venv}"
DAY=2026-11-23 # a Monday: the default training day

if [ ! -x "$VENV/bin/airflow" ] || ! "$VENV/bin/python" -c "import deltalake, duckdb, pandas, pyarrow" 2>/dev/null; then
  started=$(date +%s)
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/pip" install -q --disable-pip-version-check "apache-airflow==$AIRFLOW_VERSION" "deltalake[pyarrow]" duckdb pandas
  echo "airflow-test: created $VENV in $(( $(date +%s) - started )) s"
fi
if [ "${1:-}" = "--venv" ]; then exit 0; fi
"$VENV/bin/python" -m py_compile "$HERE/jobs/airflow/exocohort_dag.py"

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -z "${EXOCOHORT_AIRFLOW_KEEP:-}" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
if [ -n "${EXOCOHORT_AIRFLOW_KEEP:-}" ]; then echo "airflow-test: working in $work"; fi
export AIRFLOW_HOME="$work/airflow"
export AIRFLOW__CORE__DAGS_FOLDER="$HERE/jobs/airflow"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="sqlite:///$work/airflow/airflow.db"
export AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING
export PYTHONDONTWRITEBYTECODE=1
export EXOCOHORT_AIRFLOW_RETRIES=0
export EXOCOHORT_HOME="$HERE"
export EXOCOHORT_LAKE="$work/lake"
export EXOCOHORT_DROP_ROOT="$work/drop"
export EXOCOHORT_PSEUDONYM_KEY="airflow-test-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export EXOCOHORT_DRIVER_MEMORY="${EXOCOHORT_DRIVER_MEMORY:-2g}"
unset EXOCOHORT_CONF EXOCOHORT_MASTER
mkdir -p "$AIRFLOW_HOME" "$EXOCOHORT_DROP_ROOT/$DAY"
cp -r "$HERE/sample-data/gbm_exosomal_mirna" "$EXOCOHORT_DROP_ROOT/$DAY/"
airflow="$VENV/bin/airflow"

# The tasks' commands go to one warm exocohort server (jobs/exocohort serve; the DAG's docstring), started here in
# the environment the jobs need: one JVM and Spark session for the whole DAG instead of a cold one per command (a
# JVM per command: about 12 minutes of `airflow dags test` on an idle 2-core machine; docs/benchmarks.md, eighteenth
# session).
# Each command is still its own run with its own job_runs record and exit code; the launcher path without a server
# is LauncherIT's, ClusterIT's and S3IT's.
export EXOCOHORT_SERVER="$work/exo.sock"
"$HERE/jobs/exocohort" serve --socket "$EXOCOHORT_SERVER" > "$work/serve.log" 2>&1 &
server_pid=$!
"$airflow" db migrate > "$work/db.log" 2>&1 || { cat "$work/db.log"; exit 1; }
for _ in $(seq 1 240); do
  [ -S "$EXOCOHORT_SERVER" ] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "airflow-test: the exocohort server did not start:"; cat "$work/serve.log"; exit 1; }
  sleep 0.5
done
[ -S "$EXOCOHORT_SERVER" ] || { echo "airflow-test: no server socket after 120 s:"; cat "$work/serve.log"; exit 1; }
errors=$("$airflow" dags list-import-errors -o plain 2>/dev/null || true)
if printf '%s' "$errors" | grep -q exocohort_dag; then
  echo "airflow-test: the DAG does not import:"; printf '%s\n' "$errors"; exit 1
fi

started=$(date +%s)
"$airflow" dags test exocohort "$DAY" > "$work/dags-test.log" 2>&1 || true
echo "airflow-test: airflow dags test exocohort $DAY took $(( $(date +%s) - started )) s"

states=$("$VENV/bin/python" - "$work/airflow/airflow.db" <<'EOF'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
for task, state in con.execute("SELECT task_id, state FROM task_instance WHERE dag_id = 'exocohort' ORDER BY task_id"):
    print(f"{task}={state}")
EOF
)
echo "airflow-test: task states: $(printf '%s' "$states" | tr '\n' ' ')"
requests=$(grep -cE 'request [0-9]+: exit [0-9]+ in ' "$work/serve.log" || true)
echo "airflow-test: the exocohort server ran $requests commands"
fail() {
  echo "airflow-test: $*"
  tail -n 150 "$work/dags-test.log"
  exit 1
}
for t in ingest qc normalize de; do
  printf '%s\n' "$states" | grep -qx "$t=success" || fail "task $t did not succeed"
done
help=$("$HERE/jobs/exocohort" --help 2>/dev/null || true)
for t in train score; do
  if printf '%s\n' "$help" | grep -Eq "^[[:space:]]+$t([[:space:]]|$)"; then
    printf '%s\n' "$states" | grep -qx "$t=success" || fail "task $t did not succeed"
  else
    printf '%s\n' "$states" | grep -qx "$t=skipped" || fail "task $t (no such subcommand yet) was not skipped"
  fi
done

# every stage's command ran in the server (a command finding no live server would have run in a JVM of its own)
for t in ingest qc normalize de train score; do
  grep -qE "request [0-9]+: $t " "$work/serve.log" || fail "the $t command did not go through the exocohort server:
$(cat "$work/serve.log")"
done

# A re-run of a finished stage for the same day does nothing.
AIRFLOW__LOGGING__LOGGING_LEVEL=INFO "$airflow" tasks test exocohort qc "$DAY" > "$work/rerun.log" 2>&1 \
  || { cat "$work/rerun.log"; exit 1; }
grep -q "qc-${DAY//-/} is already in job_runs" "$work/rerun.log" || { cat "$work/rerun.log"; fail "qc ran again"; }

# what the Java jobs recorded, and per normalize run the values Spark SQL's view mirna_expression shows
"$HERE/jobs/exocohort" sql --lake "$EXOCOHORT_LAKE" --format json \
  "SELECT r.job, r.run_id, r.rows_written, v.n AS view_values, v.total AS view_sum FROM exocohort.job_runs r
   LEFT JOIN (SELECT norm_run_id, count(*) AS n, sum(value) AS total FROM exocohort.mirna_expression
   GROUP BY norm_run_id) v ON v.norm_run_id = r.run_id ORDER BY r.ended_at" > "$work/job_runs.jsonl"
"$VENV/bin/python" "$HERE/jobs/airflow/tests/check_lake.py" "$EXOCOHORT_LAKE" "$work/job_runs.jsonl"
echo "airflow-test: passed"
