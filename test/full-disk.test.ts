import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";
import { initdrift } from "./helpers/cli.js";

// A real full disk: a 256 KiB tmpfs. Mounting needs root and a sandbox that allows it.
const disk = mkdtempSync(join(tmpdir(), "initdrift-full-"));
const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", disk]).status === 0;
afterAll(() => {
  if (mounted) spawnSync("umount", [disk]);
});
// Under CI the check must run: a skip there would hide the one test of a real full disk.
if (!mounted && process.env.CI === "true") throw new Error("CI needs the full-disk test: mounting a tmpfs failed (run as root)");
if (!mounted) process.stderr.write("full-disk test skipped: this machine does not allow mounting a tmpfs (needs root)\n");

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? filesUnder(join(dir, f)) : [join(dir, f)]));
}

describe("a full output disk (ENOSPC)", () => {
  it.skipIf(!mounted)("gives one line naming the file, a non-zero exit, and no half-written file", () => {
    const data = mkdtempSync(join(tmpdir(), "initdrift-data-"));
    writeIdxDataset(join(data, "mnist"), makeDataset({ train: 300, test: 50, side: 28, classes: 10 }));
    const out = join(disk, "run");
    // Width 96: W1 alone is 300 KB, more than the disk holds.
    const r = initdrift(["train", "--data-dir", data, "--no-system-data", "--width", "96", "--epochs", "2", "--out", out]);
    expect(r.status).toBe(1);
    const lines = r.stderr
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("initdrift"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^initdrift: ${disk}/run/.*: no space left on device$`));
    for (const f of filesUnder(out)) {
      expect(f).not.toMatch(/\.tmp$/);
      if (f.endsWith(".jsonl")) for (const line of readFileSync(f, "utf8").split("\n").filter(Boolean)) JSON.parse(line);
      if (f.endsWith(".json")) JSON.parse(readFileSync(f, "utf8"));
    }
    // Where the manifest could still be written, it says the run failed and why.
    const manifest = join(out, "manifest.json");
    if (filesUnder(out).includes(manifest))
      expect(JSON.parse(readFileSync(manifest, "utf8"))).toMatchObject({ status: "failed", message: expect.stringMatching(/no space left|ENOSPC/) });
  });
});
