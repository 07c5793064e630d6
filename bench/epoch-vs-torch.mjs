// One full MNIST epoch (60,000 samples, batch 128) followed by the
// 10,000-sample test evaluation, on one core: initdrift through its CLI
// (default exact kernels, --snapshots none --no-report, timed from its
// metrics row) against PyTorch with OpenBLAS on one thread
// (bench/torch_epoch.py under /usr/bin/python3, OPENBLAS_NUM_THREADS=1).
// The two take turns, `pairs` times per width (who goes first alternates),
// and each figure is the median: single pairs move by 20-40% on a shared
// machine. Used by bench/run.mjs; alone: node bench/epoch-vs-torch.mjs [width ...].
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const TORCH = fileURLToPath(new URL("./torch_epoch.py", import.meta.url));
const PYTHON = "/usr/bin/python3";
const SAMPLES = 60_000;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Why PyTorch cannot be compared here, or undefined when it can. */
export function torchMissing() {
  const r = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  if (r.error) return `${PYTHON} not found`;
  return r.status === 0 ? undefined : `${PYTHON} has no torch (Debian: apt-get install python3-torch libopenblas0)`;
}

/** initdrift's epoch-with-evaluation samples/s at `width`, from the epoch-1 row's seconds. */
function initdriftEpoch(width) {
  const out = mkdtempSync(join(tmpdir(), "initdrift-epoch-"));
  try {
    const r = spawnSync(
      process.execPath,
      [CLI, "train", "--width", String(width), "--epochs", "1", "--snapshots", "none", "--no-report", "--quiet", "--out", join(out, "r")],
      {
        encoding: "utf8",
      },
    );
    if (r.status !== 0) throw new Error(`initdrift train failed: ${r.stderr}`);
    const rows = readFileSync(join(out, "r", "metrics.jsonl"), "utf8")
      .trim()
      .split("\n");
    return SAMPLES / JSON.parse(rows.at(-1)).seconds;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** PyTorch's, and the BLAS library its process loaded. */
function torchEpoch(width, files) {
  const r = spawnSync(PYTHON, [TORCH, String(width), ...files], { encoding: "utf8", env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" } });
  if (r.status !== 0) throw new Error(`torch_epoch.py failed: ${r.stderr}`);
  const got = JSON.parse(r.stdout.trim().split("\n").at(-1));
  return { rate: SAMPLES / got.seconds, blas: got.blas, torch: got.torch };
}

/**
 * For each width: initdrift and PyTorch samples/s (medians of `pairs`
 * alternations), the per-pair ratios and their median. Without torch the
 * PyTorch fields are null and `missing` says why.
 */
export function epochComparison(dataset, widths, pairs = 3) {
  const missing = torchMissing();
  const role = (r) => dataset.files.find((f) => f.role === r).path;
  const files = [role("train-images"), role("train-labels"), role("test-images"), role("test-labels")];
  const out = [];
  let blas, torch;
  for (const width of widths) {
    const ours = [],
      theirs = [],
      ratios = [];
    for (let p = 0; p < pairs; p++) {
      let a, b;
      if (missing) a = initdriftEpoch(width);
      else if (p % 2 === 0) {
        a = initdriftEpoch(width);
        b = torchEpoch(width, files);
      } else {
        b = torchEpoch(width, files);
        a = initdriftEpoch(width);
      }
      ours.push(a);
      if (b) {
        theirs.push(b.rate);
        ratios.push(a / b.rate);
        blas = b.blas;
        torch = b.torch;
      }
    }
    out.push({
      width,
      initdrift: median(ours),
      pytorch: missing ? null : median(theirs),
      ratios,
      ratio: missing ? null : median(ratios),
    });
  }
  return { rows: out, missing, blas, torch };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { loadNamedDataset } = await import("../dist/node/datasets.js");
  const dataset = await loadNamedDataset("mnist");
  const widths = process.argv.slice(2).map(Number);
  const r = epochComparison(dataset, widths.length ? widths : [100, 300, 1000]);
  if (r.missing) console.log(`PyTorch column skipped: ${r.missing}`);
  else console.log(`PyTorch ${r.torch}, BLAS ${r.blas}`);
  for (const x of r.rows)
    console.log(
      `width ${x.width}: initdrift ${Math.round(x.initdrift)} samples/s, PyTorch ${x.pytorch ? Math.round(x.pytorch) : "-"}, ratio ${x.ratio ? x.ratio.toFixed(2) : "-"} (${x.ratios.map((v) => v.toFixed(2)).join(", ")})`,
    );
}
