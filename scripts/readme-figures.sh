#!/usr/bin/env bash
# Regenerates the figures committed under docs/figures/ (shown in the README)
# from real MNIST runs: a 20-epoch sweep over widths 10, 30, 100, 300 (2 seeds),
# two masked runs of 20 epochs (width 512 and width 32), and an init-scale
# sweep with condensation and curvature (width 100, 10 epochs). About 12 minutes
# on 2 cores. Usage: bash scripts/readme-figures.sh [runs-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-runs/readme}
cli="node dist/cli/main.js"
$cli sweep --datasets mnist --widths 10,30,100,300 --runs 2 --epochs 20 --snapshots 0,1,5,20 --out "$RUNS/sweep" --quiet
$cli train --dataset mnist --width 512 --epochs 20 --seed 1 --mask a --snapshots 0,1,5,20 --out "$RUNS/mask-w512" --quiet
$cli train --dataset mnist --width 32 --epochs 20 --seed 1 --mask a --snapshots 0,1,5,20 --out "$RUNS/mask-w32" --quiet
$cli sweep --datasets mnist --widths 100 --init-scales 0.003,0.01,0.03,0.1,0.3,1 --runs 1 --epochs 10 \
  --hessian --hessian-samples 512 --snapshots 0,1,2,5,10 --out "$RUNS/scales" --quiet
small=$(ls -d "$RUNS"/scales/mnist-w100x100-g0.01-s1-*)
$cli report "$small" --quiet
out=docs/figures
mkdir -p "$out"
cp "$RUNS/mask-w512/figures/fig1-mask.svg" "$out/fig1-mask-w512.svg"
cp "$RUNS/mask-w32/figures/fig1-mask.svg" "$out/fig1-mask-w32.svg"
cp "$RUNS/mask-w512/figures/fig3-W2.svg" "$out/fig3-W2-w512.svg"
for f in fig4ab fig4c fig4d fig5-loss fig5-rmsd fig6-t_theta fig6-rmsd A-c_opt-W2 A-sigma0-W2 A-a1-W2; do
  cp "$RUNS/sweep/figures/$f-mnist.svg" "$out/$f.svg"
done
cp "$small/figures/similarity-W2.svg" "$out/similarity-W2-g0.01.svg"
for f in curvature-mnist curvature-vs-scale-mnist condensation-W2-mnist condensation-vs-scale-W2-mnist; do
  cp "$RUNS/scales/figures/$f.svg" "$out/$f.svg"
done
# The contrast figures quoted in the README:
for w in 512 32; do
  node -e 'const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse); const last = rows.at(-1); console.log(`width ${process.argv[2]}: mask contrast ${last.mask_contrast.toFixed(3)} after ${last.epoch} epochs, test accuracy ${last.test_accuracy.toFixed(4)}`)' "$RUNS/mask-w$w/metrics.jsonl" "$w"
done
