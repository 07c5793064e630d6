#!/bin/bash
# A Slurm job array that runs initdrift's sweep of the paper's MNIST study in
# 8 shards, then one dependent job that merges them. Submit with
#   sbatch docs/cluster/slurm-sweep.sh
# Each array task runs the jobs k with k mod 8 = its index (initdrift reads
# SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT itself) on all the cores it is
# given; a requeued or repeated task skips finished runs and resumes
# unfinished ones from their checkpoints, so retries are idempotent.
#SBATCH --job-name=initdrift-mnist
#SBATCH --array=0-7
#SBATCH --cpus-per-task=16
#SBATCH --mem=8G
#SBATCH --time=48:00:00
#SBATCH --requeue
#SBATCH --output=logs/initdrift-%A_%a.out
set -euo pipefail

OUT=${OUT:-$PWD/runs/mnist-paper}     # on a shared file system
mkdir -p "$OUT" logs

# SIGTERM before a time limit or preemption: initdrift finishes the epoch,
# checkpoints and exits; the requeued task resumes.
npx initdrift sweep \
  --datasets mnist --widths 10,20,30,50,100,200,300,500,1000 --runs 5 \
  --epochs 1000 --snapshots log --checkpoint-every 10 \
  --threads "${SLURM_CPUS_PER_TASK:-1}" --no-analyze \
  --out "$OUT"

# The last task to finish could merge, but a separate job is simpler:
#   sbatch --dependency=afterok:$SLURM_ARRAY_JOB_ID --wrap "npx initdrift analyze $OUT && npx initdrift pack $OUT -o mnist-paper.tar.gz"
