// Usage text for every command, shown by `exptrack --help`, `exptrack help CMD` and `exptrack CMD --help`.
// docs/cli.md is the long form; keep the two in step.

/** One-screen overview. */
export const MAIN_HELP = `exptrack: record and compare ML runs, in a SQLite file in your workspace (.exptrack/)

usage: exptrack <command> [options]

commands:
  run [--experiment E] [--name N] [--tag k=v]... [--fail-on-regression] -- <command...>
                      run a command and record it (output passes through unchanged)
  ls [--experiment E] [--filter Q] [--limit N] [--json]
                      list runs, newest first
  show RUN [--json] [--series KEY]...
                      one run: params, metrics, tags, git, environment, artifacts
  compare RUN RUN... [--json]
                      runs side by side
  export [--format csv|json] [--experiment E] [--filter Q]
                      every run to stdout; --format mlflow|dvclive|parquet DIR: into a folder
  import PATH [--experiment E] [--dry-run] [--json]
                      bring in runs of MLflow, TensorBoard, W&B, DVCLive or a CSV file
  lineage RUN|PATH[@SHA] [--up|--down] [--hops N] [--json]
                      runs and data/model versions upstream and downstream
  baseline RUN | --clear EXPERIMENT | --show EXPERIMENT
                      make a run its experiment's baseline (runs are checked against it)
  explain RUN [--baseline B] [--metric KEY] [--json]
                      what differs from the baseline, most likely cause of the change first
  parse [FILE|-]      print the metrics the console parser finds, one JSON object per line
  doctor [--json]     check the database, journals and sizes
  help [COMMAND]      this text, or one command's

RUN is a run id, a unique id prefix, a run name, @last or @last~N.
The store is the nearest .exptrack folder from the current directory upward (or $EXPTRACK_DIR).
Options: -h, --help; -V, --version.  Exit codes: 0 ok, 1 failure, 2 usage error; run: the command's (3 with --fail-on-regression).
More: docs/cli.md`;

/** Per-command usage. */
export const COMMAND_HELP: Readonly<Record<string, string>> = {
  run: `usage: exptrack run [--experiment E] [--name N] [--tag k=v]... [--quiet] [--fail-on-regression] -- <command...>

Runs <command> and records it: command line, params (flags and config files it names), metrics (from
its console output and from EXPTRACK_METRICS_FILE), output, environment, git state and code snapshot,
and the files it read and wrote. Its output passes through unchanged; Ctrl-C and SIGTERM reach it (the
run is then recorded as killed); exptrack exits with its exit code (128+N when killed by signal N).

  -e, --experiment E   experiment name (default: the script's file name, e.g. train.py)
  -n, --name N         run name (default: a generated one such as swift-otter-417)
  -t, --tag k=v        a tag; repeat for more (a bare k is k=true)
  -q, --quiet          no summary line on stderr at the end
  --no-parse           do not read metrics from console output (the structured channel still works)
  --no-git, --no-env   skip the git snapshot / the environment capture
  --fail-on-regression exit 3 when the command exits 0 but the run is worse than its experiment's
                       baseline (exptrack baseline RUN); the regression is said on stderr either way

The command gets EXPTRACK_RUN_ID and EXPTRACK_METRICS_FILE; append JSON lines to the latter:
  {"step": 3, "loss": 0.2}   {"params": {...}}   {"tags": {...}}   {"artifact": "path", "role": "output"}`,
  baseline: `usage: exptrack baseline RUN
       exptrack baseline --clear EXPERIMENT
       exptrack baseline --show EXPERIMENT

Makes RUN the baseline of its experiment (the tag exptrack.baseline=1; the experiment's other runs lose
it). Every run of the experiment that ends is compared with it: exptrack run says on stderr when a
headline metric (final or best value) is worse by more than the tolerance (1% by default,
"metrics": {"tolerance": 0.01, "tolerances": {"val_loss": 0.02}} in .exptrack/config.json).`,
  explain: `usage: exptrack explain RUN [--baseline B] [--metric KEY] [--json]

What differs between RUN and its experiment's baseline (or B), most likely cause first: input data
versions (path, hash, size), code (files and hunks of the two snapshots), params, the command, the
environment (python, packages, GPU, variables); and where each metric's curve leaves the baseline's
band. A difference that is the only one comes first; with a sweep in the experiment, params are ranked
by the Spearman rank correlation of their values with the metric across its runs. --json prints the
report as one object.`,
  ls: 'usage: exptrack ls [--experiment E] [--filter Q] [--limit N] [--json]\n\nLists runs, newest first. Q is the filter language: metrics.val_acc > 0.9 and params.lr = 3e-4, status = failed, tags.best, name ~ "base".',
  show: 'usage: exptrack show RUN [--json] [--series KEY]...\n\nOne run in full. --series adds the points of a metric ([[step, value, timestampMs], ...]).',
  compare: 'usage: exptrack compare RUN RUN... [--json]\n\nParams (differing ones first) and metrics of several runs side by side.',
  import: `usage: exptrack import PATH [--experiment E] [--dry-run] [--json]

Imports the runs PATH holds: an MLflow store (mlruns/ or mlflow.db), TensorBoard event files (a run per
folder), W&B run folders (wandb/run-*, wandb/offline-run-*), a DVCLive folder, or a CSV/TSV file (one row
per step with a step column, or long: run, key, step, value). Imported runs are runs like any other,
with their source in the run's source and import.* tags. Importing again adds only what is new.

  --experiment E       put every run in experiment E (default: the source's experiment or folder name)
  --dry-run            print what would be imported (runs, points, what is skipped and why); write nothing
  --json               print the result as JSON

Ctrl-C stops between two runs: the runs already imported are whole and stay; import again for the rest.`,
  export: 'usage: exptrack export [--format csv|json] [--experiment E] [--filter Q]\n       exptrack export --format mlflow|dvclive|parquet DIR [--experiment E] [--filter Q]\n\nEvery run (or the filtered ones) with params and metric summaries, to stdout; or every point of them into\nDIR (new or empty): mlflow, an MLflow folder store (`mlflow ui --backend-store-uri DIR`); dvclive, a DVCLive\nfolder per run, DIR/<experiment>/<run>/; parquet, runs.parquet and points.parquet (pandas, polars, DuckDB).\n`exptrack import DIR` reads the first two back.',
  lineage: 'usage: exptrack lineage RUN|PATH[@SHA] [--up|--down] [--hops N] [--json]\n\nThe lineage graph around a run, an artifact path (all its versions) or one version (PATH@SHA): the data and models a run used and produced, the runs that made and used them. --up or --down for one direction; --hops limits the distance. --json prints {"nodes": [...], "edges": [{"from", "to", "type"}]}.',
  parse: `usage: exptrack parse [FILE|-]

Reads console output from FILE (or standard input when FILE is - or absent) and prints every metric the
parser finds, one JSON object per line: {"key": "loss", "value": 0.25, "step": 3, "line": 12}.
NaN is printed as null, +Infinity and -Infinity as the strings "Infinity" and "-Infinity".
Custom patterns and ignored keys come from .exptrack/config.json ("metrics" section).`,
  doctor: 'usage: exptrack doctor [--json]\n\nChecks the database (integrity, schema version), the journals of every writer, the lock and sizes.',
};
