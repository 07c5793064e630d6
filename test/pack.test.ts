import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { decodeTar, encodeTar } from "../src/codec/tar.js";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";
import { type CliResult, initdrift } from "./helpers/cli.js";

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-pack-"));
const data = tmp();
writeIdxDataset(join(data, "mnist"), makeDataset({ train: 500, test: 100, side: 28, classes: 10 }));
const runs = tmp();
const pkg = join(tmp(), "study.tar.gz");
let trained: CliResult;
let packed: CliResult;
beforeAll(() => {
  trained = initdrift([
    "train",
    "--data-dir",
    data,
    "--no-system-data",
    "--width",
    "16",
    "--epochs",
    "2",
    "--runs",
    "3",
    "--threads",
    "2",
    "--out",
    runs,
    "--quiet",
  ]);
  packed = initdrift(["pack", runs, "-o", pkg, "--quiet"]);
});
const verify = (target: string, extra: string[] = []) => initdrift(["verify", target, "--data-dir", data, ...extra]);

/** Rewrites one file of a package and, when `resign`, its SHA256SUMS line (a consistent but different package). */
function rewrite(path: string, file: string, edit: (text: string) => string, resign: boolean): string {
  const entries = decodeTar(gunzipSync(readFileSync(path)), path);
  const target = entries.find((e) => e.path === `initdrift-package/${file}`)!;
  const before = createHash("sha256").update(target.data).digest("hex");
  target.data = new TextEncoder().encode(edit(new TextDecoder().decode(target.data)));
  if (resign) {
    const sums = entries.find((e) => e.path === "initdrift-package/SHA256SUMS")!;
    sums.data = new TextEncoder().encode(new TextDecoder().decode(sums.data).replace(before, createHash("sha256").update(target.data).digest("hex")));
  }
  const out = join(tmp(), "edited.tar.gz");
  writeFileSync(out, gzipSync(encodeTar(entries)));
  return out;
}

describe("tar codec", () => {
  it("round-trips files, long paths included", () => {
    const long = `${"d".repeat(120)}/file.json`;
    const entries = [
      { path: "a.txt", data: new Uint8Array([1, 2, 3]) },
      { path: long, data: new Uint8Array(700).fill(7) },
    ];
    expect(decodeTar(encodeTar(entries), "t").map((e) => [e.path, e.data.length])).toEqual([
      ["a.txt", 3],
      [long, 700],
    ]);
  });
});

describe("initdrift pack and verify", () => {
  it("packs runs into a .tar.gz that tar opens and sha256sum checks", () => {
    expect(trained.status).toBe(0);
    expect(packed.status).toBe(0);
    const dir = tmp();
    expect(spawnSync("tar", ["-xzf", pkg, "-C", dir]).status).toBe(0);
    const check = spawnSync("sha256sum", ["-c", "--quiet", "SHA256SUMS"], { cwd: join(dir, "initdrift-package"), encoding: "utf8" });
    expect(check.status).toBe(0);
    const info = JSON.parse(readFileSync(join(dir, "initdrift-package", "PACKAGE.json"), "utf8"));
    expect(info.runs).toHaveLength(3);
    expect(info.wasm[0].file).toBe("initdrift.wasm");
  });

  it("verify re-runs every run to the recorded final_params_sha256", () => {
    const r = verify(pkg);
    expect(r.status).toBe(0);
    expect(
      r.stdout
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("ok ")),
    ).toHaveLength(3);
    expect(r.stderr).toMatch(/verified 3 of 3 runs: 3 ok, 0 mismatched/);
  });

  it("--sample k re-runs k of them", () => {
    const r = verify(pkg, ["--sample", "1", "--json"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
  });

  it("verifies a plain directory of runs with this build's kernels", () => {
    expect(verify(runs).status).toBe(0);
  });

  it("refuses a package with one byte changed", () => {
    const edited = rewrite(pkg, "PACKAGE.json", (t) => t.replace('"format_version": 1', '"format_version": 2'), false);
    const r = verify(edited);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/PACKAGE.json does not match SHA256SUMS \(tampered or damaged\); refusing the package/);
  });

  it("refuses a package of a newer format in one line", () => {
    const edited = rewrite(pkg, "PACKAGE.json", (t) => t.replace('"format_version": 1', '"format_version": 2'), true);
    const r = verify(edited);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/package format 2 is newer than this initdrift .* reads \(1\); upgrade initdrift/);
  });

  it("reports a run whose recorded hash is not what re-running gives, and exits non-zero", () => {
    const manifestPath = spawnSync("tar", ["-tzf", pkg], { encoding: "utf8" })
      .stdout.split("\n")
      .find((l) => l.endsWith("manifest.json"))!
      .replace("initdrift-package/", "");
    const edited = rewrite(pkg, manifestPath, (t) => t.replace(/"final_params_sha256": "[0-9a-f]{8}/, '"final_params_sha256": "00000000'), true);
    const r = verify(edited);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^MISMATCH .*parameters differ; expected 00000000/m);
    expect(r.stderr).toMatch(/2 ok, 1 mismatched/);
  });
});
