#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { UserError } from "../errors.js";
import { TOOL_VERSION } from "../version.js";
import { analyzeCommand } from "./analyze.js";
import { dataCommand } from "./data.js";
import { packCommand, verifyCommand } from "./pack.js";
import { reportCommand } from "./report.js";
import { reproduceCommand } from "./reproduce.js";
import { sweepCommand } from "./sweep.js";
import { trainCommand } from "./train.js";

/** Error codes of the file system that are the user's to fix, with a plain reason. */
const FS_REASONS: Record<string, string> = {
  ENOSPC: "no space left on device",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOENT: "no such file or directory",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  EDQUOT: "disk quota exceeded",
};

export function buildProgram(): Command {
  const program = new Command("initdrift")
    .description("How far does training move a network from its initial weights?")
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`initdrift: ${text.replace(/^error: /, "").trim()}\n`) });
  program.addCommand(trainCommand());
  program.addCommand(sweepCommand());
  program.addCommand(reproduceCommand());
  program.addCommand(analyzeCommand());
  program.addCommand(dataCommand());
  program.addCommand(reportCommand());
  program.addCommand(packCommand());
  program.addCommand(verifyCommand());
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const cmd of all(program).slice(1))
    cmd.exitOverride().configureOutput({ outputError: (text, write) => write(`initdrift ${cmd.name()}: ${text.replace(/^error: /, "").trim()}\n`) });
  return program;
}

/** A message as one printable line: bytes from a damaged file (control characters, newlines) never reach the terminal raw. */
function oneLine(message: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
  const printable = message.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]+/g, "?");
  return printable.length > 400 ? `${printable.slice(0, 397)}...` : printable;
}

/** Turns any failure into one line on stderr and an exit code. */
export function reportError(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
  if (e instanceof UserError) {
    process.stderr.write(`initdrift: ${oneLine(e.message)}\n`);
    return e.exitCode;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === "string" && FS_REASONS[err.code]) {
    process.stderr.write(`initdrift: ${err.path ?? ""}${err.path ? ": " : ""}${FS_REASONS[err.code]}\n`);
    return 1;
  }
  if (process.env.INITDRIFT_DEBUG) process.stderr.write(`${err?.stack ?? String(e)}\n`);
  process.stderr.write(`initdrift: internal error: ${err?.message ?? String(e)} (set INITDRIFT_DEBUG=1 for the stack)\n`);
  return 70;
}

// A reader that closes our standard output (`| head -1`) is no error of ours: later writes are dropped
// quietly (a training run stops and checkpoints, see stopOnSignals); any other failure of it is reported.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") return;
  process.exitCode = reportError(e);
});

const program = buildProgram();
program.parseAsync(process.argv).catch((e: unknown) => {
  process.exitCode = reportError(e);
});
