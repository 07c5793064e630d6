#!/bin/bash
# initdrift on Slurm: a job array in which each task runs one shard of
# `initdrift reproduce` (the paper's study by default). One file serves a
# two-minute trial and the full study; everything that varies comes from the
# environment:
#   OUT             output directory, on a file system every node shares (required)
#   INITDRIFT_ARGS  options appended to the command, split on white space; values
#                   may hold commas (e.g. "--datasets mnist --widths 8,16 --epochs 3")
#   PRESET          paper (default) or laptop
#   INITDRIFT       how initdrift is started: "initdrift" (default) after
#                   `npm install -g initdrift` or `npm install -g ./initdrift-0.1.0.tgz`
#                   (from `npm pack` of a checkout); or "node /path/to/initdrift/dist/cli/main.js"
#                   for a built checkout on the shared file system
# Submit, then merge once every task has finished (docs/cluster/slurm-merge.sh):
#   jid=$(OUT=$PWD/runs/paper sbatch --parsable --export=ALL docs/cluster/slurm-reproduce.sh)
#   OUT=$PWD/runs/paper sbatch --export=ALL --dependency=afterok:$jid docs/cluster/slurm-merge.sh
# A trial on two single-CPU tasks:
#   OUT=$PWD/runs/trial INITDRIFT_ARGS="--preset laptop --datasets mnist --widths 8,16 --runs 2 --epochs 3" \
#     sbatch --export=ALL --array=0-1 --cpus-per-task=1 docs/cluster/slurm-reproduce.sh
#
# Each task runs the jobs k with k mod (array size) = its index: initdrift reads
# SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT itself, and
# uses SLURM_CPUS_PER_TASK threads. Finished runs are skipped and unfinished ones
# resume from their checkpoints, so a requeued or repeated task is idempotent.
#SBATCH --job-name=initdrift
#SBATCH --array=0-7
#SBATCH --cpus-per-task=16
#SBATCH --mem=16G
#SBATCH --time=48:00:00
#SBATCH --requeue
#SBATCH --signal=B:TERM@300
#SBATCH --output=initdrift-%A_%a.out
set -euo pipefail
: "${OUT:?set OUT to the output directory (on a shared file system)}"
mkdir -p "$OUT"

# exec: initdrift replaces this shell, so the SIGTERM that Slurm sends the batch
# step (--signal=B:TERM 300 s before the time limit, scancel, requeue,
# preemption) reaches initdrift itself: it finishes the running epoch, writes a
# checkpoint and exits; the requeued task resumes from there to the same bits.
# shellcheck disable=SC2086 # INITDRIFT and INITDRIFT_ARGS are split on purpose
exec ${INITDRIFT:-initdrift} reproduce --preset "${PRESET:-paper}" --out "$OUT" \
  --threads "${SLURM_CPUS_PER_TASK:-1}" --checkpoint-every "${CHECKPOINT_EVERY:-10}" ${INITDRIFT_ARGS:-}
