import { Command } from "commander";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";

import { UserError } from "../errors.js";
import { writeFileAtomic, makeDirectories } from "../node/files.js";
import { packageEntries, packArchive } from "../node/packageFiles.js";
import { packageCoverage, sampleItems, type VerifyResult, verifyItems, verifyRuns } from "../node/verifyTarget.js";
import type { Reproduction } from "../run/rerun.js";
import { positiveInt, seedValue } from "./options.js";

export function packCommand(): Command {
  return new Command("pack")
    .description("write a reproducibility package: runs, analyses, the exact wasm kernels and SHA256SUMS, in one .tar.gz")
    .argument("<dir...>", "directories holding run directories")
    .requiredOption("-o, --output <file>", "package file (.tar.gz, .tgz or .tar)")
    .option("--with-snapshots", "include the .npy snapshots (large)", false)
    .option("--force", "replace the output file if it exists", false)
    .option("--quiet", "print nothing but errors", false)
    .action(async (dirs: string[], flags: { output: string; withSnapshots: boolean; force: boolean; quiet: boolean }) => {
      const out = resolve(flags.output);
      if (!/\.(tar\.gz|tgz|tar)$/.test(out)) throw new UserError(`package name must end in .tar.gz, .tgz or .tar: ${flags.output}`, 2);
      if (existsSync(out) && !flags.force) throw new UserError(`${out} exists; pass --force to replace it`, 2);
      const entries = await packageEntries(
        dirs.map((d) => resolve(d)),
        flags.withSnapshots,
      );
      const bytes = packArchive(entries, !out.endsWith(".tar"));
      makeDirectories(dirname(out));
      writeFileAtomic(out, bytes);
      if (!flags.quiet) {
        const runs = entries.filter((e) => e.path.endsWith("/manifest.json")).length;
        process.stderr.write(`${runs} runs, ${entries.length} files, ${(bytes.length / 1e6).toFixed(2)} MB -> ${out}\n`);
      }
    });
}

const VERDICT_LABEL: Record<VerifyResult["verdict"], string> = {
  reproduced: "ok      ",
  "self-consistent": "self-ok ",
  mismatch: "MISMATCH",
  "not-verified": "NOT RUN ",
};

function resultLine(r: VerifyResult): string {
  const detail = r.ok ? r.actual!.slice(0, 16) : r.verdict === "mismatch" ? (r.differences ?? []).join("; ") : (r.problem ?? "");
  return `${VERDICT_LABEL[r.verdict]}  ${r.name}  ${detail}${r.kernel_note ? `  [kernel: ${r.kernel_note}]` : ""}\n`;
}

interface VerifyFlags {
  sample?: number;
  sampleSeed: number;
  checksumsOnly: boolean;
  packageKernels: boolean;
  kernelTimeLimit?: number;
  dataDir?: string;
  cacheDir?: string;
  json: boolean;
}

/** verify: the checksums, then the chosen runs re-run and compared, one line each, then what the package's files got. */
async function verifyAction(target: string, flags: VerifyFlags): Promise<void> {
  const { items, packaged, unlisted, files } = await verifyItems(resolve(target));
  if (flags.checksumsOnly && !packaged)
    throw new UserError(`${target}: a directory of runs, not a package: no SHA256SUMS to check (drop --checksums-only to re-run its runs)`, 2);
  if (packaged) process.stderr.write(`checksums ok: ${target}\n`);
  let problems = 0;
  for (const u of unlisted) {
    process.stderr.write(`initdrift: ${target}: ${u} is in the package but PACKAGE.json does not list it\n`);
    problems++;
  }
  if (items.length === 0)
    throw new UserError(`${target}: ${packaged ? "the package lists no runs" : "no run directories (with manifest.json)"}; nothing to verify`);
  if (flags.checksumsOnly) {
    if (problems > 0) process.exitCode = 1;
    return;
  }
  const chosen = sampleItems(items, flags.sample, flags.sampleSeed);
  const reproductions = new Map<string, Reproduction>();
  const results = await verifyRuns(
    chosen,
    { dataDir: flags.dataDir, cacheDir: flags.cacheDir },
    (r) => process.stdout.write(flags.json ? `${JSON.stringify(r)}\n` : resultLine(r)),
    flags.packageKernels,
    (name, got) => reproductions.set(name, got),
    flags.kernelTimeLimit,
  );
  const count = (v: VerifyResult["verdict"]) => results.filter((r) => r.verdict === v).length;
  const flagged = results.filter((r) => r.kernel_note).length;
  process.stderr.write(
    `verified ${results.length} of ${items.length} runs: ${flags.packageKernels ? `${count("self-consistent")} self-consistent with the package's own kernels (not a reproduction by this build)` : `${count("reproduced")} reproduced by this build`}, ${count("mismatch")} mismatched, ${count("not-verified")} not re-run${flagged ? `, ${flagged} with kernels that are not this build's` : ""}\n`,
  );
  if (files) problems += printCoverage(target, files, items, reproductions);
  if (problems > 0 || results.some((r) => !r.ok)) process.exitCode = 1;
}

/** Every file the package ships is accounted for: compared, checked, or named as not checked. Returns the summary's differences. */
function printCoverage(
  target: string,
  files: Parameters<typeof packageCoverage>[0],
  items: Parameters<typeof packageCoverage>[1],
  reproductions: Map<string, Reproduction>,
): number {
  // Every file the package ships is accounted for: compared, checked, or named as not checked.
  const c = packageCoverage(files, items, reproductions);
  const unchecked = [...c.notChecked.values()].reduce((n, v) => n + v.length, 0);
  process.stderr.write(`files: ${c.compared} compared with the re-runs, ${c.checked} checked by checksums and manifests, ${unchecked} not checked\n`);
  for (const [why, paths] of c.notChecked) process.stderr.write(`  not checked: ${paths.length} file(s), e.g. ${paths[0]}: ${why}\n`);
  for (const d of c.summaryDifferences) process.stderr.write(`initdrift: ${target}: ${d}\n`);
  return c.summaryDifferences.length;
}

export function verifyCommand(): Command {
  return new Command("verify")
    .description(
      "check a package's checksums, re-run its runs with this build's kernels and compare every recorded bit: final parameters, metrics (all but wall seconds), analysis.jsonl, summary.json",
    )
    .argument("<package>", "a package file, an extracted package, or a directory of run directories")
    .option("--sample <k>", "re-run only k runs, chosen by a seeded shuffle", positiveInt)
    .option("--sample-seed <n>", "seed of that choice", seedValue, 1)
    .option("--checksums-only", "check the package's checksums and format, re-run nothing", false)
    .option("--package-kernels", "re-run with the kernel binaries the package ships (self-consistency, not reproduction)", false)
    .option(
      "--kernel-time-limit <seconds>",
      "with --package-kernels: stop a run's re-run after this long (default: 10x its recorded time, at least 60 s)",
      positiveInt,
    )
    .option("--data-dir <dir>", "look for dataset files here first")
    .option("--cache-dir <dir>", "dataset cache")
    .option("--json", "print one JSON line per run", false)
    .action(verifyAction);
}
