#!/usr/bin/env bash
# slurm-array-test.sh: the Slurm job array of docs/cluster.md on a real (single-node)
# Slurm, through the INSTALLED `limsim` binary (npm pack; npm install -g <tgz>):
# 4 shard tasks, then the merge job with --dependency=afterok; the merged rows
# must equal the unsharded sweep's byte for byte. Skips (exit 0) where Slurm is
# not installed. Run by .ci/run; by hand: bash scripts/slurm-array-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PROJECT=$(pwd)

if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null; then
  echo "slurm-array-test: SKIPPED (sbatch/slurmctld not installed)"
  exit 0
fi

WORK=$(mktemp -d /tmp/limsim-slurm-test.XXXXXX)
export SLURM_STATE=$WORK/state
T0=$(date +%s.%N)
since() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
say() { printf '[%6ss] %s\n' "$(since)" "$*"; }
die() { say "FAIL: $*"; exit 1; }
waitfor() {
  local end=$(($(date +%s) + $1)); shift
  until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.5; done
}
trap 'rc=$?; bash "$PROJECT/scripts/slurm-single-node.sh" stop || true; exit $rc' EXIT

# ---- 1. the installed binary -------------------------------------------------
say "npm pack + npm install -g into $WORK/prefix"
TGZ=$(npm pack --silent --pack-destination "$WORK" | tail -1)
npm install -g "$WORK/$TGZ" --prefix "$WORK/prefix" --no-audit --no-fund --prefer-offline >"$WORK/npm-install.log" 2>&1 ||
  { cat "$WORK/npm-install.log"; die "npm install -g"; }
export PATH="$WORK/prefix/bin:$PATH"
[ "$(command -v limsim)" = "$WORK/prefix/bin/limsim" ] || die "limsim is not the installed binary: $(command -v limsim)"
say "limsim $(limsim --version) at $(command -v limsim)"

# ---- 2. the cluster ----------------------------------------------------------
bash "$PROJECT/scripts/slurm-single-node.sh" start
[ "$(timeout 60 srun -N1 hostname)" = "$(hostname)" ] || die "srun -N1 hostname"
say "cluster up"

# ---- 3. the documented job array ----------------------------------------------
PROJ=$WORK/proj
mkdir -p "$PROJ"
cp -r "$PROJECT/sim-configs" "$PROJ/"
cd "$PROJ"
# logs/ must exist before sbatch: Slurm does not create the --output folder, and
# every task would fail with exit 0:53 (the merge then pends forever).
mkdir -p logs
# A small version of the erasure-speed sweep: 6 points over 4 shards (2, 2, 1, 1 points).
SIZE='--set replicas=200 --grid time.duration=10,20,30,40,60,80'
cat >sweep-array.sh <<EOF
#!/bin/bash
# sweep-array.sh: one array task per shard (docs/cluster.md, 4 shards, 1 CPU each:
# more --cpus-per-task than the node has would pend silently).
#SBATCH --job-name=erasure-speed
#SBATCH --array=1-4
#SBATCH --cpus-per-task=1
#SBATCH --mem=1G
#SBATCH --time=00:15:00
#SBATCH --requeue
#SBATCH --output=logs/%x-%A_%a.out
set -euo pipefail
SHARDS=4
SWEEP=sim-configs/sweeps/erasure-speed.yaml
OUT=results/erasure-speed/shard-\${SLURM_ARRAY_TASK_ID}
limsim sweep "\$SWEEP" $SIZE --shard "\${SLURM_ARRAY_TASK_ID}/\${SHARDS}" \\
  --workers "\${SLURM_CPUS_PER_TASK}" --out "\$OUT" --resume --quiet
EOF
cat >sweep-merge.sh <<'EOF'
#!/bin/bash
# sweep-merge.sh
#SBATCH --job-name=erasure-speed-merge
#SBATCH --cpus-per-task=1
#SBATCH --time=00:05:00
#SBATCH --output=logs/%x-%j.out
set -euo pipefail
limsim merge results/erasure-speed/shard-* --out results/erasure-speed/merged
EOF

# sbatch passes this environment (PATH with the installed limsim) to the jobs.
ARRAY=$(sbatch --parsable sweep-array.sh)
MERGE=$(sbatch --parsable --dependency=afterok:"$ARRAY" sweep-merge.sh)
say "submitted array job $ARRAY (4 tasks) and merge job $MERGE (afterok:$ARRAY)"
check() { # check JOBID: COMPLETED with exit code 0:0, else show the logs and fail
  local st
  st=$(scontrol show job "$1" | grep -oE 'JobState=[A-Z_]+|ExitCode=[0-9:]+' | tr '\n' ' ')
  say "job $1: $st"
  case "$st" in *COMPLETED*"ExitCode=0:0"*) ;; *) cat logs/* >&2 || true; scancel "$MERGE" || true; die "job $1 did not complete";; esac
}
# A failed task leaves the merge pending forever (DependencyNeverSatisfied): check the tasks first.
waitfor 900 bash -c "! squeue -h -j $ARRAY | grep -q ." || die "array still queued: $(squeue)"
for t in 1 2 3 4; do check "${ARRAY}_$t"; done
waitfor 300 bash -c "! squeue -h -j $MERGE | grep -q ." || die "merge still queued: $(squeue)"
check "$MERGE"
say "array and merge done"

# ---- 4. the same sweep unsharded, compared byte for byte -----------------------
# shellcheck disable=SC2086
limsim sweep sim-configs/sweeps/erasure-speed.yaml $SIZE --workers 2 --out local-unsharded --quiet --no-report >/dev/null
for f in results.jsonl results.csv; do
  cmp "results/erasure-speed/merged/$f" "local-unsharded/$f" || die "merged $f differs from the unsharded sweep's"
done
ROWS=$(wc -l <local-unsharded/results.jsonl)
say "merged results.jsonl and results.csv byte-identical to the unsharded sweep ($ROWS rows)"
cd /
rm -rf "$WORK/proj" "$WORK/prefix"
say "slurm-array-test: OK in $(since) s"
