#!/bin/bash
# The merge after docs/cluster/slurm-reproduce.sh: once every array task has
# finished (submit with --dependency=afterok:JOBID), summarise every run under
# OUT, evaluate the paper's claims (claims.json), write report.html, and pack
# the whole study into OUT.tar, which `initdrift verify` re-runs to the same bits.
# Environment: OUT and INITDRIFT as for slurm-reproduce.sh.
#SBATCH --job-name=initdrift-merge
#SBATCH --cpus-per-task=1
#SBATCH --mem=8G
#SBATCH --time=4:00:00
#SBATCH --output=initdrift-merge-%j.out
set -euo pipefail
: "${OUT:?set OUT to the directory the array wrote}"
# shellcheck disable=SC2086
${INITDRIFT:-initdrift} analyze --claims "$OUT"
# shellcheck disable=SC2086
${INITDRIFT:-initdrift} report "$OUT"
# shellcheck disable=SC2086
exec ${INITDRIFT:-initdrift} pack "$OUT" --output "$OUT.tar.gz" --force  # a requeued merge replaces its own package
