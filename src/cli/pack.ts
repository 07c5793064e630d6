import { Command } from "commander";
import { dirname, resolve } from "node:path";

import { UserError } from "../errors.js";
import { writeFileAtomic, makeDirectories } from "../node/files.js";
import { packageEntries, packArchive } from "../node/package.js";
import { sampleItems, verifyItems, verifyRuns } from "../node/verify.js";
import { positiveInt, seedValue } from "./options.js";

export function packCommand(): Command {
  return new Command("pack")
    .description("write a reproducibility package: runs, analyses, the exact wasm kernels and SHA256SUMS, in one .tar.gz")
    .argument("<dir...>", "directories holding run directories")
    .requiredOption("-o, --output <file>", "package file (.tar.gz, .tgz or .tar)")
    .option("--with-snapshots", "include the .npy snapshots (large)", false)
    .option("--quiet", "print nothing but errors", false)
    .action(async (dirs: string[], flags: { output: string; withSnapshots: boolean; quiet: boolean }) => {
      const out = resolve(flags.output);
      if (!/\.(tar\.gz|tgz|tar)$/.test(out)) throw new UserError(`package name must end in .tar.gz, .tgz or .tar: ${flags.output}`, 2);
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

export function verifyCommand(): Command {
  return new Command("verify")
    .description("check a package's checksums, re-run its runs and compare final_params_sha256 (also a directory of runs)")
    .argument("<package>", "a package file, an extracted package, or a directory of run directories")
    .option("--sample <k>", "re-run only k runs, chosen by a seeded shuffle", positiveInt)
    .option("--sample-seed <n>", "seed of that choice", seedValue, 1)
    .option("--checksums-only", "check the package's checksums and format, re-run nothing", false)
    .option("--data-dir <dir>", "look for dataset files here first")
    .option("--cache-dir <dir>", "dataset cache")
    .option("--json", "print one JSON line per run", false)
    .action(
      async (target: string, flags: { sample?: number; sampleSeed: number; checksumsOnly: boolean; dataDir?: string; cacheDir?: string; json: boolean }) => {
        const { items, packaged } = await verifyItems(resolve(target));
        if (packaged) process.stderr.write(`checksums ok: ${target}\n`);
        if (flags.checksumsOnly) return;
        const chosen = sampleItems(items, flags.sample, flags.sampleSeed);
        const results = await verifyRuns(chosen, { dataDir: flags.dataDir, cacheDir: flags.cacheDir }, (r) => {
          if (flags.json) process.stdout.write(JSON.stringify(r) + "\n");
          else
            process.stdout.write(
              `${r.ok ? "ok      " : "MISMATCH"}  ${r.name}  ${r.ok ? r.actual!.slice(0, 16) : `${r.problem}; expected ${r.expected?.slice(0, 16)} got ${r.actual?.slice(0, 16) ?? "-"}`}\n`,
            );
        });
        const bad = results.filter((r) => !r.ok).length;
        process.stderr.write(`verified ${results.length} of ${items.length} runs: ${results.length - bad} ok, ${bad} mismatched\n`);
        if (bad > 0) process.exitCode = 1;
      },
    );
}
