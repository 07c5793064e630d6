/** pack and report never follow a link out of a run, and long run names still pack. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { initdrift } from "./helpers/cli.js";
import { hostileData, oneLine, quick, tmp } from "./helpers/hostile.js";

describe("pack and report never follow a link out of the run", () => {
  let out: string;
  beforeAll(() => {
    out = join(tmp(), "run");
    expect(quick(out).status).toBe(0);
  });

  it("pack refuses a run file that is a link (it packed /etc/passwd that way)", () => {
    const linked = join(tmp(), "run");
    execFileSync("cp", ["-r", out, linked]);
    execFileSync("rm", [join(linked, "summary.json")]);
    symlinkSync("/etc/passwd", join(linked, "summary.json"));
    oneLine(
      initdrift(["pack", linked, "-o", join(tmp(), "p.tar.gz")]),
      /summary\.json: is a symbolic link; files of a run or package are read only as regular files/,
    );
  });

  it("report refuses to read snapshots through a snapshots/ that is a link", () => {
    const linked = join(tmp(), "run");
    execFileSync("cp", ["-r", out, linked]);
    const elsewhere = join(tmp(), "snapshots");
    execFileSync("mv", [join(linked, "snapshots"), elsewhere]);
    symlinkSync(elsewhere, join(linked, "snapshots"));
    oneLine(initdrift(["report", linked]), /snapshots: is a symbolic link; files of a run or package are read only as regular files/);
  });

  it("report refuses to write through a figures/ that is a link", () => {
    const elsewhere = tmp();
    const linked = join(tmp(), "run");
    execFileSync("cp", ["-r", out, linked]);
    symlinkSync(elsewhere, join(linked, "figures"));
    oneLine(initdrift(["report", linked]), /figures: is a symbolic link; refusing to write the report through it/);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it("a run name too long for ustar packs (pax header), and the package verifies", () => {
    const parent = tmp();
    const long = join(parent, `run-${"x".repeat(200)}`);
    mkdirSync(long);
    execFileSync("cp", ["-r", `${out}/.`, long]);
    const pkg = join(tmp(), "long.tar.gz");
    expect(initdrift(["pack", parent, "-o", pkg, "--quiet"]).status).toBe(0);
    expect(existsSync(pkg)).toBe(true);
    const r = initdrift(["verify", pkg, "--data-dir", hostileData()]);
    expect(r.stderr).toMatch(/1 reproduced by this build/);
    expect(r.status).toBe(0);
  });
});
