import { Command, Option } from "commander";
import { resolve } from "node:path";
import { type Preset, STUDIES, STUDY_NAMES, type StudyPart } from "../claims/presets.js";
import type { Dataset } from "../data/dataset.js";
import { UserError } from "../errors.js";
import { loadNamedDataset } from "../node/datasets.js";
import { estimatePlan, type PlanEstimate } from "../node/estimate.js";
import { defaultThreads } from "../node/pool.js";
import { endOfJobs, runJobs, type PlannedJob } from "../node/jobService.js";
import { loadKernels } from "../node/wasm.js";
import { duration } from "../run/duration.js";
import { resolveShard, shardOf } from "../run/shards.js";
import { finishStudy } from "./analyze.js";
import { addSweepOptions, applyConfigFile, checkDatasets, planJobs, sweepRunOptions, type SweepFlags } from "./sweep.js";

interface ReproduceFlags extends SweepFlags {
  study: string;
  preset: string;
  dryRun: boolean;
}

/** A part's options that the command line (or --config) may replace, as sweep flags name them. */
const PART_KEYS: [keyof StudyPart, keyof SweepFlags][] = [
  ["datasets", "datasets"],
  ["widths", "widths"],
  ["runs", "runs"],
  ["epochs", "epochs"],
  ["mask", "mask"],
  ["trainLimit", "trainLimit"],
  ["testLimit", "testLimit"],
];

/** Part options that only some studies set: a part without one leaves the flag as the command line has it. */
const OPTIONAL_PART_KEYS: [keyof StudyPart, keyof SweepFlags][] = [
  ["depth", "depth"],
  ["activations", "activations"],
  ["inits", "inits"],
  ["initScales", "initScales"],
  ["analyzeEvery", "analyzeEvery"],
  ["clusters", "clusters"],
  ["hessian", "hessian"],
  ["hessianSamples", "hessianSamples"],
];

/** The sweep flags of one part: the part's values, except where the user set an option (it applies to every part). */
function partFlags(flags: ReproduceFlags, part: StudyPart, overridden: ReadonlySet<string>): SweepFlags {
  const f = { ...flags, datasets: [...flags.datasets] } as SweepFlags;
  for (const [partKey, flagKey] of PART_KEYS) {
    if (overridden.has(flagKey)) continue;
    (f as unknown as Record<string, unknown>)[flagKey] = part[partKey];
  }
  for (const [partKey, flagKey] of OPTIONAL_PART_KEYS) {
    if (overridden.has(flagKey) || part[partKey] === undefined) continue;
    (f as unknown as Record<string, unknown>)[flagKey] = part[partKey];
  }
  return f;
}

/** The jobs of a preset (parts merged, a run shared by two parts planned once), and each dataset's part descriptions. */
async function planPreset(
  preset: Preset,
  flags: ReproduceFlags,
  overridden: ReadonlySet<string>,
  out: string,
): Promise<{ jobs: PlannedJob[]; lines: string[] }> {
  const jobs = new Map<string, PlannedJob>();
  const lines: string[] = [];
  for (const part of preset.parts) {
    const f = partFlags(flags, part, overridden);
    checkDatasets(f);
    const planned = await planJobs(f, out);
    for (const j of planned) if (!jobs.has(j.dir)) jobs.set(j.dir, j);
    lines.push(
      `  ${part.figures}: ${f.datasets.join(", ")} x widths ${f.widths.join(",")}${f.depth !== 2 ? ` (${f.depth} hidden layer${f.depth > 1 ? "s" : ""})` : ""}` +
        `${f.activations ? ` x ${f.activations.join(", ")}` : ""}${f.inits ? ` x ${f.inits.join(", ")}` : ""}${f.initScales ? ` x init scales ${f.initScales.join(", ")}` : ""} x ${f.runs} seeds x ${f.epochs} epochs` +
        `${f.mask ? `, mask "${f.mask}" in W2` : ""}${f.trainLimit ? `, ${f.trainLimit} train` : ""}${f.testLimit ? ` / ${f.testLimit} test samples` : ""} (${planned.length} jobs)`,
    );
  }
  return { jobs: [...jobs.values()], lines };
}

/** Loads each dataset the jobs need: the ones found, and why the others are missing. */
async function findDatasets(jobs: readonly PlannedJob[], flags: ReproduceFlags): Promise<{ found: Map<string, Dataset>; missing: Map<string, string> }> {
  const found = new Map<string, Dataset>(),
    missing = new Map<string, string>();
  for (const name of new Set(jobs.map((j) => j.config.dataset))) {
    try {
      found.set(name, await loadNamedDataset(name, { dataDir: flags.dataDir, cacheDir: flags.cacheDir, systemData: flags.systemData, invert: flags.invert }));
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      missing.set(name, e.message);
    }
  }
  return { found, missing };
}

function printEstimate(label: string, e: PlanEstimate): void {
  process.stderr.write(
    `${label}: about ${duration(e.wallSeconds)} on ${e.threads} thread${e.threads > 1 ? "s" : ""} (${(e.coreSeconds / 3600).toFixed(1)} core-hours)\n`,
  );
}

/** --dry-run: this machine's speed for each network, the time the plan would take, and why the design is what it is. */
function printDryRun(
  preset: Preset,
  runnable: PlannedJob[],
  mine: PlannedJob[],
  found: Map<string, Dataset>,
  missing: Map<string, string>,
  flags: ReproduceFlags,
): void {
  const threads = flags.threads ?? defaultThreads();
  process.stderr.write(`measuring this machine's speed for each network (a few seconds each)...\n`);
  const kernels = loadKernels(flags.kernels);
  const estimate = estimatePlan(runnable, kernels, (name) => found.get(name), threads);
  for (const [key, s] of estimate.speeds)
    process.stderr.write(
      `  ${key}: ${Math.round(1 / s.trainSecondsPerSample).toLocaleString("en")} training samples/s, ${Math.round(1 / s.evalSecondsPerSample).toLocaleString("en")} evaluated/s\n`,
    );
  printEstimate(`estimate for the ${runnable.length} jobs with data here`, estimate);
  if (missing.size > 0)
    printEstimate(
      `estimate for all ${mine.length} jobs (missing datasets measured on random images of their shape)`,
      // The networks measured above are not measured again.
      estimatePlan(mine, kernels, (name) => found.get(name), threads, estimate.speeds),
    );
  process.stderr.write(`why this design: ${preset.why}\n`);
}

export function reproduceCommand(): Command {
  const cmd = new Command("reproduce")
    .description("run the paper's study (or a laptop-sized version) and check its claims one by one from the runs: claims.json, summary, report.html")
    .addOption(
      new Option(
        "--study <name>",
        "the study: paper (Jesus et al., the default), condensation (Zhou et al.: activations and small starts) or hessian-init (Skorski et al.: initialisers, scales and the Hessian principle)",
      )
        .choices(STUDY_NAMES)
        .default("paper"),
    )
    .addOption(
      new Option(
        "--preset <name>",
        "the design: paper (the paper's study) or laptop (under an hour on 2 cores; the only design of --study condensation and hessian-init)",
      ).default("laptop"),
    )
    .option("--dry-run", "print the plan, the datasets found or missing and the estimated time (from speeds measured now); train nothing", false);
  addSweepOptions(cmd, { datasets: [], widths: [], runs: 1, out: "runs/reproduce" });
  return cmd.action(async (flags: ReproduceFlags) => {
    const fromConfig = flags.config ? applyConfigFile(cmd, flags, flags.config) : [];
    const keys = [...PART_KEYS, ...OPTIONAL_PART_KEYS].map(([, k]) => k as string);
    const overridden = new Set([...keys.filter((k) => cmd.getOptionValueSource(k) === "cli"), ...fromConfig]);
    const study = STUDIES[flags.study]!;
    const preset = study.presets[flags.preset];
    if (!preset) throw new UserError(`--study ${study.name} has no preset '${flags.preset}' (it has: ${Object.keys(study.presets).join(", ")})`, 2);
    const out = resolve(flags.out);
    const shard = resolveShard(flags.shard, process.env);
    const say = (text: string): void => void (flags.quiet && !flags.dryRun ? undefined : process.stderr.write(text));
    const { jobs: all, lines } = await planPreset(preset, flags, overridden, out);
    const mine = shardOf(all, shard);
    const { found, missing } = await findDatasets(mine, flags);
    const runnable = mine.filter((j) => found.has(j.config.dataset));
    say(`reproduce --study ${study.name} --preset ${preset.name}: ${preset.description}\n${lines.join("\n")}\n`);
    if (overridden.size) say(`  (command line overrides every part's ${[...overridden].join(", ")})\n`);
    say(`${all.length} jobs${shard.count > 1 ? `, shard ${shard.index}/${shard.count} (${shard.source}): ${mine.length}` : ""} -> ${out}\n`);
    for (const [name, d] of found)
      say(`dataset ${name}: found${d.verified ? "" : " (not verified against the catalogue: its verdicts are extensions, never counted for the paper)"}\n`);
    for (const [name, why] of missing)
      say(
        `dataset ${name}: MISSING, its ${mine.filter((j) => j.config.dataset === name).length} jobs are left out and its claims will be not testable (${why})\n`,
      );

    if (flags.dryRun) return printDryRun(preset, runnable, mine, found, missing, flags);
    found.clear(); // the runner loads each dataset itself when its turn comes; free these copies.

    const result = await runJobs(runnable, sweepRunOptions(flags, out));
    const code = endOfJobs(result, flags.retries);
    if (result.stopped) {
      process.exitCode = code;
      return;
    }
    if (shard.count > 1) {
      say(`shard ${shard.index}/${shard.count} done; when every shard is, 'initdrift analyze --claims ${out}' writes the summary and the claims\n`);
    } else if (runnable.length > 0) {
      finishStudy(out, { quiet: flags.quiet, report: flags.report, claims: true, study: study.name });
    } else {
      throw new UserError("no dataset of this preset is installed here: nothing to run ('initdrift data --help' says how to install them)");
    }
    if (code) process.exitCode = code;
  });
}
