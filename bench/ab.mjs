// Two builds of initdrift in one process, taking turns: this checkout
// against another one (a git worktree at another commit, built with
// `npm run build`). On this noisy machine two separate runs of the same code
// differ by up to 30%, but alternating in one process resolves 1-2%.
//
//   node bench/ab.mjs OTHER_DIR [--steps] [--rounds N] [width ...]
//
// Whole epochs (default; MNIST, batch 128, one core) or single training
// steps (--steps, bench/profile.mjs's minibatchStepper of each checkout).
// Each comparison runs twice, once with each build constructed first: of two
// identical builds, the one constructed second runs up to 1.5% slower (memory
// placement), so a change is real only where both orders agree. Prints each
// side's median, the ratio this / other, and whether the two ended with the
// same parameter bits.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const other = args.find((a) => !a.startsWith("--") && Number.isNaN(Number(a)));
if (!other) {
  console.error("usage: node bench/ab.mjs OTHER_DIR [--steps] [--rounds N] [width ...]");
  process.exit(2);
}
const steps = args.includes("--steps");
const roundsAt = args.indexOf("--rounds");
const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : undefined;
if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0)) {
  console.error(`ab: --rounds needs a positive integer, got ${args[roundsAt + 1] ?? "nothing"}`);
  process.exit(2);
}
const widths = args.filter((a, i) => !Number.isNaN(Number(a)) && args[i - 1] !== "--rounds").map(Number);
const dirs = { this: resolve(new URL("..", import.meta.url).pathname), other: resolve(other) };
const needs = steps ? ["bench/profile.mjs", "build/initdrift.wasm"] : ["dist/train/trainer.js", "build/initdrift.wasm"];
for (const f of needs) {
  if (!existsSync(`${dirs.other}/${f}`)) {
    console.error(`ab: ${dirs.other}/${f} is missing: OTHER_DIR must be a checkout built with npm run build`);
    process.exit(2);
  }
}

const load = async (dir, file) => import(pathToFileURL(`${dir}/${file}`).href);
const sha = (params) => createHash("sha256").update(params).digest("hex");
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** A runner of one unit (an epoch or a step) built from the checkout in `dir`, and its parameters. */
async function runner(dir, dataset, width) {
  if (steps) {
    const { minibatchStepper } = await load(dir, "bench/profile.mjs");
    const s = minibatchStepper(dataset, width);
    return { run: () => s.step(), params: () => s.net.params() };
  }
  const { Trainer } = await load(dir, "dist/train/trainer.js");
  const { withDefaults } = await load(dir, "dist/train/config.js");
  const { loadKernels } = await load(dir, "dist/node/wasm.js");
  const config = withDefaults({ dataset: "mnist", hiddenWidths: [width, width], epochs: 1000, seed: 1 });
  const trainer = new Trainer(config, dataset, loadKernels("exact").module, { sparseInput: "auto" });
  return { run: () => trainer.runEpoch(), params: () => trainer.network.params() };
}

const { loadNamedDataset } = await load(dirs.this, "dist/node/datasets.js");
const dataset = await loadNamedDataset("mnist");
for (const width of widths.length ? widths : [10, 100, 300]) {
  const n = rounds ?? (steps ? 11 : width >= 1000 ? 3 : 11);
  const perTurn = steps ? (width >= 1000 ? 10 : width >= 300 ? 60 : 200) : 1;
  for (const first of ["other", "this"]) {
    const order = first === "other" ? ["other", "this"] : ["this", "other"];
    const sides = {};
    for (const side of order) sides[side] = await runner(dirs[side], dataset, width);
    const times = { this: [], other: [] };
    // One warm-up turn each, then n rounds; who goes first in a round alternates.
    for (let r = -1; r < n; r++) {
      for (const side of r % 2 === 0 ? order : [...order].reverse()) {
        const t0 = performance.now();
        for (let i = 0; i < perTurn; i++) sides[side].run();
        if (r >= 0) times[side].push((performance.now() - t0) / perTurn);
      }
    }
    const a = median(times.this),
      b = median(times.other);
    const same = sha(sides.this.params()) === sha(sides.other.params());
    const unit = steps ? "ms a step" : "ms an epoch";
    console.log(
      `width ${width}, ${first} built first: this ${a.toFixed(steps ? 3 : 1)} ${unit}, other ${b.toFixed(steps ? 3 : 1)}, this/other ${(a / b).toFixed(3)} (${n} rounds), ${same ? "same bits" : "DIFFERENT bits"}`,
    );
  }
}
