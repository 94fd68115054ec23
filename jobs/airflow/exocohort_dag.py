"""exocohort's daily pipeline for Apache Airflow (tested with Airflow 3.3; Airflow 2.4+ reads it too).

One task per stage, each a ``jobs/exocohort`` command line (BashOperator):

    ingest >> qc >> normalize >> de >> train (weekly) >> score

* **ingest** the day's drop folder ``<drop root>/<YYYY-MM-DD>/``: every sub-folder holding an
  ``ingest.properties`` (the format of ``sample-data/*/ingest.properties``: ``cohort``, ``manifest``, ``mirna``,
  ``protein``, ``protein_scale``; paths relative to the sub-folder) is one cohort delivery. No drop folder for
  the day: the task is skipped and so are qc, normalize and de.
* **qc**, **normalize**, **de** on the whole lake, **train** on the training weekday (ISO 1-7, default 1 =
  Monday), **score** each cohort of the day's drop with the model of the latest training day.

Run ids derive from the logical date (``qc-20261127``, ``ingest-20261127-<cohort>``, ``train-20261123``), so
re-runs and backfills are idempotent: ingest recognises files it has already ingested (SHA-256) and changes
nothing; a stage whose run id is already in ``job_runs`` as succeeded is refused by the job before it reads
anything (exit 3), and the task takes that as done (clear the task after deleting that run, or use another run id,
to recompute). ``max_active_runs=1``: days run one after the other.

On one machine, the tasks' commands go to the launcher's daemon by default (a warm driver the first command starts
and tasks with the same environment share; docs/operations.md, "The daemon"; ``EXOCOHORT_DAEMON=off`` in the worker's
environment gives each command a JVM of its own), or to one warm ``jobs/exocohort serve`` process that you start in
the environment the jobs need, with ``EXOCOHORT_SERVER`` (its socket) set in the worker's environment
(docs/operations.md, "serve"); with a master set, commands never go through a server or a daemon. The DAG's test
runs with its own server.

Settings (each: Airflow Variable > environment of the worker > default), read when a task runs:

=====================  ===========================  ==============================================
Variable               environment                  default / meaning
=====================  ===========================  ==============================================
exocohort_home         EXOCOHORT_HOME               /opt/exocohort (a checkout with the built jars)
exocohort_lake         EXOCOHORT_LAKE               $EXOCOHORT_HOME/lake (a path or s3a://bucket/prefix)
exocohort_drop_root    EXOCOHORT_DROP_ROOT          $EXOCOHORT_HOME/drop
exocohort_conf         EXOCOHORT_CONF               the launcher's default (conf/local.properties, or
                                                    conf/cluster.properties when submitting)
exocohort_master       EXOCOHORT_MASTER             empty: the conf file decides (embedded if none);
                                                    else spark://..., yarn or k8s://...
exocohort_train_day    EXOCOHORT_TRAIN_DAY          1 (ISO weekday of the weekly training; 1 = Monday)
=====================  ===========================  ==============================================

Secrets (EXOCOHORT_PSEUDONYM_KEY, AWS credentials for an s3a:// lake) come from the worker's environment,
never from Variables or this file.
"""

import os
from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.operators.bash import BashOperator


def _setting(variable, env, default):
    """Bash lines setting ``env`` from the Variable, else the worker's environment, else ``default``."""
    return (
        f'{env}="{{{{ var.value.get({variable!r}, "") }}}}"\n'
        f'{env}="${{{env}:-${{{env}_ENV:-{default}}}}}"\n'
    )


# Every task starts with this: the settings, and `exo`, the launcher with the master if one is set. The
# environment values are copied first (X_ENV) since the Variable lines reuse the names.
PREAMBLE = (
    "set -euo pipefail\n"
    + "".join(
        f'{env}_ENV="${{{env}:-}}"\n'
        for env in ("EXOCOHORT_HOME", "EXOCOHORT_LAKE", "EXOCOHORT_DROP_ROOT", "EXOCOHORT_CONF",
                    "EXOCOHORT_MASTER", "EXOCOHORT_TRAIN_DAY")
    )
    + _setting("exocohort_home", "EXOCOHORT_HOME", "/opt/exocohort")
    + _setting("exocohort_lake", "EXOCOHORT_LAKE", "$EXOCOHORT_HOME/lake")
    + _setting("exocohort_drop_root", "EXOCOHORT_DROP_ROOT", "$EXOCOHORT_HOME/drop")
    + _setting("exocohort_conf", "EXOCOHORT_CONF", "")
    + _setting("exocohort_master", "EXOCOHORT_MASTER", "")
    + _setting("exocohort_train_day", "EXOCOHORT_TRAIN_DAY", "1")
    + """export EXOCOHORT_HOME
# The conf files name their companions (conf/qc.properties, ...) relative to the checkout.
cd "$EXOCOHORT_HOME"
if [ -n "$EXOCOHORT_CONF" ]; then export EXOCOHORT_CONF; else unset EXOCOHORT_CONF; fi
DROP="$EXOCOHORT_DROP_ROOT/{{ ds }}"
exo() {
  if [ -n "$EXOCOHORT_MASTER" ]; then
    "$EXOCOHORT_HOME/jobs/exocohort" --master "$EXOCOHORT_MASTER" "$@"
  else
    "$EXOCOHORT_HOME/jobs/exocohort" "$@"
  fi
}
# Runs a stage under a run id: once RUN_ID SUBCOMMAND [OPTIONS]. A run id already recorded in job_runs as
# succeeded (a re-run or backfill of a finished stage) is refused by the job itself before it reads anything, with
# exit 3: the stage is done, and the task succeeds without a second JVM to ask job_runs first.
once() {
  local id="$1" code=0
  shift
  exo "$@" --lake "$EXOCOHORT_LAKE" --run-id "$id" || code=$?
  if [ "$code" = 3 ]; then
    echo "exocohort: $id is already in job_runs of $EXOCOHORT_LAKE: nothing to do"
    return 0
  fi
  return "$code"
}
# The cohort folders of the day's drop (exit 99 = skipped when there are none).
drop_folders() {
  local found=0 p
  for p in "$DROP"/*/ingest.properties; do
    [ -f "$p" ] || continue
    dirname "$p"
    found=1
  done
  if [ "$found" = 0 ]; then
    echo "exocohort: no cohort folders (*/ingest.properties) in $DROP: nothing to do" >&2
    return 99
  fi
}
# One key of a properties file.
prop() {
  sed -n -E "s/^[[:space:]]*$2[[:space:]]*[=:][[:space:]]*(.*[^[:space:]])[[:space:]]*$/\\1/p" "$1" | tail -n 1
}
# Whether this exocohort has a subcommand (train and score are newer than the other stages).
has_subcommand() {
  exo --help 2>/dev/null | grep -Eq "^[[:space:]]+$1([[:space:]]|$)"
}
"""
)

INGEST = PREAMBLE + """
folders=$(drop_folders) || exit 99
for dir in $folders; do
  p="$dir/ingest.properties"
  cohort=$(prop "$p" cohort)
  args=(ingest --lake "$EXOCOHORT_LAKE" --cohort "$cohort" --manifest "$dir/$(prop "$p" manifest)"
    --run-id "ingest-{{ ds_nodash }}-$cohort")
  mirna=$(prop "$p" mirna)
  protein=$(prop "$p" protein)
  scale=$(prop "$p" protein_scale)
  if [ -n "$mirna" ]; then args+=(--mirna "$dir/$mirna"); fi
  if [ -n "$protein" ]; then args+=(--protein "$dir/$protein"); fi
  if [ -n "$scale" ]; then args+=(--protein-scale "$scale"); fi
  exo "${args[@]}"
done
"""

QC = PREAMBLE + 'once "qc-{{ ds_nodash }}" qc\n'
NORMALIZE = PREAMBLE + 'once "normalize-{{ ds_nodash }}" normalize\n'
DE = PREAMBLE + 'once "de-{{ ds_nodash }}" de\n'

TRAIN = PREAMBLE + """
if [ "$(date -u -d '{{ ds }}' +%u)" != "$EXOCOHORT_TRAIN_DAY" ]; then
  echo "exocohort: {{ ds }} is not the training day (ISO weekday $EXOCOHORT_TRAIN_DAY)"
  exit 99
fi
if ! has_subcommand train; then
  echo "exocohort: this exocohort has no train subcommand" >&2
  exit 99
fi
once "train-{{ ds_nodash }}" train --task detect --model logistic
"""

SCORE = PREAMBLE + """
if ! has_subcommand score; then
  echo "exocohort: this exocohort has no score subcommand" >&2
  exit 99
fi
folders=$(drop_folders) || exit 99
# The model of the latest training day on or before this day.
back=$(( ($(date -u -d '{{ ds }}' +%u) - EXOCOHORT_TRAIN_DAY + 7) % 7 ))
model="train-$(date -u -d "{{ ds }} - $back days" +%Y%m%d)"
for dir in $folders; do
  exo score --lake "$EXOCOHORT_LAKE" --model "$model" --cohort "$(prop "$dir/ingest.properties" cohort)"
done
"""

with DAG(
    dag_id="exocohort",
    description="exocohort: ingest the day's drop, qc, normalize, de, weekly train, score",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    # A failed stage restores the tables it wrote, so a retry starts clean. EXOCOHORT_AIRFLOW_RETRIES=0 in tests.
    default_args={"retries": int(os.environ.get("EXOCOHORT_AIRFLOW_RETRIES", "1")),
                  "retry_delay": timedelta(minutes=10)},
    tags=["exocohort"],
    doc_md=__doc__,
) as dag:
    ingest = BashOperator(task_id="ingest", bash_command=INGEST)
    qc = BashOperator(task_id="qc", bash_command=QC)
    normalize = BashOperator(task_id="normalize", bash_command=NORMALIZE)
    de = BashOperator(task_id="de", bash_command=DE)
    # Weekly, whether or not the day brought data (skipped on other days).
    train = BashOperator(task_id="train", bash_command=TRAIN, trigger_rule="none_failed")
    # After a skipped train (not the training day) too: scores with the latest model.
    score = BashOperator(task_id="score", bash_command=SCORE, trigger_rule="none_failed")
    ingest >> qc >> normalize >> de >> train >> score
