import { Command } from "commander";
import { resolve } from "node:path";
import { UserError } from "../errors.js";
import { report } from "../node/reportFiles.js";
import { existsSync } from "node:fs";

export function reportCommand(): Command {
  return new Command("report")
    .description("write report.html (self-contained) and figures/ (SVG, PNG) for a run directory or a directory of runs")
    .argument("<dir>", "a run directory, or a directory holding run directories")
    .option("--out <dir>", "where a sweep's report goes (default: DIR)")
    .option("--quiet", "print nothing but errors", false)
    .action(async (dir: string, flags: { out?: string; quiet: boolean }) => {
      if (!existsSync(dir)) throw new UserError(`${dir}: no such directory`);
      const path = await report(resolve(dir), flags.out && resolve(flags.out));
      if (!flags.quiet) process.stderr.write(`report: ${path}\n`);
    });
}
