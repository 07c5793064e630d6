// One full MNIST epoch (60,000 samples, batch 128) followed by the
// 10,000-sample test evaluation, on one core: initdrift through its CLI
// (default exact kernels, --snapshots none --no-report, timed from its
// metrics row) against PyTorch with OpenBLAS on one thread
// (bench/torch_epoch.py under /usr/bin/python3, OPENBLAS_NUM_THREADS=1).
// The two take turns, `pairs` times per width (who goes first alternates),
// and each figure is the median: single pairs move by 20-40% on a shared
// machine. Used by bench/run.mjs; alone:
//   node bench/epoch-vs-torch.mjs [--node PATH] [width ...]
// --node PATH runs initdrift's side on that Node binary (default: the one
// running this script). Given twice or more, it compares those Node binaries
// instead: initdrift alone, the binaries taking turns, a median per binary.
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

/** initdrift's epoch-with-evaluation samples/s at `width` on the Node binary `node`, from the epoch-1 row's seconds. */
function initdriftEpoch(width, node = process.execPath) {
  const out = mkdtempSync(join(tmpdir(), "initdrift-epoch-"));
  try {
    const r = spawnSync(
      node,
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
export function epochComparison(dataset, widths, pairs = 3, node = process.execPath) {
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
      if (missing) a = initdriftEpoch(width, node);
      else if (p % 2 === 0) {
        a = initdriftEpoch(width, node);
        b = torchEpoch(width, files);
      } else {
        b = torchEpoch(width, files);
        a = initdriftEpoch(width, node);
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

/** The Node version of a binary ("v24.11.1"). */
export function nodeVersion(node) {
  const r = spawnSync(node, ["--version"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${node} is not a Node binary that runs (${r.error?.message ?? r.stderr.trim()})`);
  return r.stdout.trim();
}

/**
 * initdrift's epoch on several Node binaries: for each width, `rounds`
 * rounds in which every binary runs once (the order rotating), and each
 * binary's median samples/s with its ratio to the first binary's.
 */
export function nodeComparison(widths, nodes, rounds = 5) {
  return widths.map((width) => {
    const rates = nodes.map(() => []);
    for (let k = 0; k < rounds; k++)
      for (let i = 0; i < nodes.length; i++) {
        const j = (i + k) % nodes.length;
        rates[j].push(initdriftEpoch(width, nodes[j]));
      }
    const medians = rates.map(median);
    return { width, nodes: nodes.map((node, i) => ({ node, version: nodeVersion(node), rate: medians[i], ratio: medians[i] / medians[0], rates: rates[i] })) };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const nodes = argv.flatMap((a, i) => (argv[i - 1] === "--node" ? [a] : []));
  const widths = argv.filter((a, i) => a !== "--node" && argv[i - 1] !== "--node").map(Number);
  if (widths.some((w) => !Number.isInteger(w) || w < 1) || argv.at(-1) === "--node") {
    console.error("usage: node bench/epoch-vs-torch.mjs [--node PATH]... [width ...]");
    process.exit(2);
  }
  if (nodes.length >= 2) {
    for (const row of nodeComparison(widths.length ? widths : [100, 300], nodes))
      for (const n of row.nodes)
        console.log(
          `width ${row.width}: Node ${n.version} ${Math.round(n.rate)} samples/s, ${n.ratio.toFixed(3)}x the first (${n.rates.map((v) => Math.round(v)).join(", ")})`,
        );
    process.exit(0);
  }
  const { loadNamedDataset } = await import("../dist/node/datasets.js");
  const dataset = await loadNamedDataset("mnist");
  const node = nodes[0] ?? process.execPath;
  console.log(`initdrift on Node ${nodeVersion(node)}`);
  const r = epochComparison(dataset, widths.length ? widths : [100, 300, 1000], 3, node);
  if (r.missing) console.log(`PyTorch column skipped: ${r.missing}`);
  else console.log(`PyTorch ${r.torch}, BLAS ${r.blas}`);
  for (const x of r.rows)
    console.log(
      `width ${x.width}: initdrift ${Math.round(x.initdrift)} samples/s, PyTorch ${x.pytorch ? Math.round(x.pytorch) : "-"}, ratio ${x.ratio ? x.ratio.toFixed(2) : "-"} (${x.ratios.map((v) => v.toFixed(2)).join(", ")})`,
    );
}
