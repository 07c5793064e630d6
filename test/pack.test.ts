import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { decodeTar, encodeTar } from "../src/codec/tar.js";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";
import { type CliResult, initdrift, trainOnFixture } from "./helpers/cli.js";
import { resignedTar } from "./helpers/package.js";
import { sha256Hex } from "../src/node/files.js";
import { packageFilesOf, packageTar } from "../src/run/packageFormat.js";

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
    expect(r.stderr).toMatch(/verified 3 of 3 runs: 3 reproduced by this build, 0 mismatched, 0 not re-run\n/);
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
    const edited = forge(pkg, (f) => editText(f, "PACKAGE.json", (t) => t.replace('"format_version": 1', '"format_version": 2')), false);
    const r = verify(edited);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/PACKAGE.json does not match SHA256SUMS \(tampered or damaged\); refusing the package/);
  });

  it("refuses a member outside the package's folder (it would shadow the package's own file), not in SHA256SUMS", () => {
    const entries = decodeTar(gunzipSync(readFileSync(pkg)), "pkg");
    const outside = join(tmp(), "outside.tar");
    writeFileSync(outside, encodeTar([...entries, { path: "SHA256SUMS", data: new TextEncoder().encode("forged\n") }]));
    const r = verify(outside);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/member "SHA256SUMS" is outside the package's folder initdrift-package\/; refusing the package/);
  });

  it("refuses a package of a newer format in one line", () => {
    const edited = forge(pkg, (f) => editText(f, "PACKAGE.json", (t) => t.replace('"format_version": 1', '"format_version": 2')));
    const r = verify(edited);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/package format 2 is newer than this initdrift .* reads \(1\); upgrade initdrift/);
  });

  it("reports a run whose recorded hash is not what re-running gives, and exits non-zero", () => {
    const manifestPath = spawnSync("tar", ["-tzf", pkg], { encoding: "utf8" })
      .stdout.split("\n")
      .find((l) => l.endsWith("manifest.json"))!
      .replace("initdrift-package/", "");
    const edited = forge(pkg, (f) => editText(f, manifestPath, (t) => t.replace(/"final_params_sha256": "[0-9a-f]{8}/, '"final_params_sha256": "00000000')));
    const r = verify(edited);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^MISMATCH .*final parameters differ/m);
    expect(r.stderr).toMatch(/2 reproduced by this build, 1 mismatched/);
  });
});

/**
 * Rebuilds a package with `edit` applied to its files (paths below the root).
 * Signed again (resign): a consistent forgery; otherwise the old SHA256SUMS
 * stays, as with a damaged or tampered file.
 */
function forge(path: string, edit: (files: Map<string, Uint8Array>) => void, resign = true): string {
  const files = packageFilesOf(decodeTar(gunzipSync(readFileSync(path)), path));
  edit(files);
  const out = join(tmp(), "forged.tar.gz");
  writeFileSync(out, gzipSync(resign ? resignedTar(files) : packageTar([...files].map(([p, data]) => ({ path: p, data })))));
  return out;
}
const editText = (files: Map<string, Uint8Array>, path: string, edit: (t: string) => string) =>
  files.set(path, new TextEncoder().encode(edit(new TextDecoder().decode(files.get(path)!))));
const firstRun = (files: Map<string, Uint8Array>) => [...files.keys()].find((p) => p.endsWith("/manifest.json"))!.replace("/manifest.json", "");

describe("verify proves a reproduction, not only a hash", () => {
  it("re-runs --init hessian to the same bits, compares each layer's initial RMS, and lets a manifest from before the field verify", () => {
    const principled = tmp(),
      principledPkg = join(tmp(), "hessian.tar.gz");
    expect(trainOnFixture(data, principled, ["--width", "16", "--epochs", "2", "--init", "hessian"]).status).toBe(0);
    expect(initdrift(["pack", principled, "-o", principledPkg, "--quiet"]).status).toBe(0);
    // One run directory: its summary.json is the run's own, packed under runs/ only (at the top it was checked as a study's and failed).
    expect(spawnSync("tar", ["-tzf", principledPkg], { encoding: "utf8" }).stdout).not.toMatch(/^initdrift-package\/summary\.json$/m);
    expect(verify(principledPkg).status).toBe(0);
    const rms = (f: Map<string, Uint8Array>) => `${firstRun(f)}/manifest.json`;
    const edited = forge(principledPkg, (f) => editText(f, rms(f), (t) => t.replace(/"initial_weight_rms": \[\n\s*0\.\d/, (m) => `${m.slice(0, -1)}9`)));
    const r = verify(edited);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^MISMATCH .*initial_weight_rms/m);
    const older = forge(principledPkg, (f) => editText(f, rms(f), (t) => t.replace(/\s*"initial_weight_rms": \[[^\]]*\],/, "")));
    expect(verify(older).status).toBe(0);
  });

  it("catches edited metrics, though the final hash and checksums agree", () => {
    const edited = forge(pkg, (f) => editText(f, `${firstRun(f)}/metrics.jsonl`, (t) => t.replace(/"test_accuracy":0\.\d/, '"test_accuracy":0.99')));
    const r = verify(edited);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^MISMATCH .*metrics\.jsonl differs at epoch \d \(test_accuracy\)/m);
  });

  it("ignores only the wall seconds of a metrics row", () => {
    const edited = forge(pkg, (f) => editText(f, `${firstRun(f)}/metrics.jsonl`, (t) => t.replace(/"seconds":[\d.e-]+/g, '"seconds":123')));
    expect(verify(edited).status).toBe(0);
  });

  it("a summary.json from before excursions and censored jumps were recorded still verifies; the re-run's extra fields are no difference", () => {
    const older = forge(pkg, (f) =>
      editText(f, `${firstRun(f)}/summary.json`, (t) => {
        const doc = JSON.parse(t);
        expect(doc).toHaveProperty("excursions");
        delete doc.excursions;
        delete doc.t_div_censored;
        return JSON.stringify(doc, null, 2);
      }),
    );
    const r = verify(older);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const edited = forge(pkg, (f) => editText(f, `${firstRun(f)}/summary.json`, (t) => t.replace(/"t_min_test": \d+/, '"t_min_test": 999')));
    expect(verify(edited).stdout).toMatch(/^MISMATCH .*summary\.json differs \(t_min_test\)/m);
  });

  it("catches an edited analysis and an edited summary", () => {
    const analysis = forge(pkg, (f) => editText(f, `${firstRun(f)}/analysis.jsonl`, (t) => t.replace(/"c_opt":-?[\d.e-]+/, '"c_opt":0.5')));
    expect(verify(analysis).stdout).toMatch(/^MISMATCH .*analysis\.jsonl differs at epoch 0, layer W1/m);
    const summary = forge(pkg, (f) => editText(f, `${firstRun(f)}/summary.json`, (t) => t.replace(/"min_train_loss": [\d.e-]+/, '"min_train_loss": 0.001')));
    expect(verify(summary).stdout).toMatch(/^MISMATCH .*summary\.json differs/m);
  });

  it("flags a kernel replaced by another module, and re-runs with this build's", () => {
    const debug = readFileSync(new URL("../build/initdrift.debug.wasm", import.meta.url));
    const sha = sha256Hex(debug);
    const forged = forge(pkg, (f) => {
      f.set("wasm/initdrift.wasm", debug);
      for (const p of [...f.keys()].filter((k) => k.endsWith("/manifest.json")))
        editText(f, p, (t) => t.replace(/("file": "initdrift.wasm",\s*"sha256": ")[0-9a-f]{64}/, `$1${sha}`));
      editText(f, "PACKAGE.json", (t) => t.replace(/("sha256": ")[0-9a-f]{64}/, `$1${sha}`));
    });
    const r = verify(forged, ["--sample", "1"]);
    expect(r.stdout).toMatch(/\[kernel: initdrift\.wasm [0-9a-f]{12} is not a known build of this initdrift/);
    expect(r.stderr).toMatch(/1 with kernels that are not this build's/);
    // With the package's own kernel it is only self-consistency, and says so.
    const own = verify(forged, ["--sample", "1", "--package-kernels"]);
    expect(own.stdout).toMatch(/^self-ok /m);
    expect(own.stderr).toMatch(/1 self-consistent with the package's own kernels \(not a reproduction by this build\)/);
  });

  it("reports runs present but not listed, a package listing none, and runs that did not complete", () => {
    const unlisted = forge(pkg, (f) => editText(f, "PACKAGE.json", (t) => t.replace(/"runs\/[^"]+",?\s*/, "").replace(/,(\s*\])/, "$1")));
    const r = verify(unlisted, ["--checksums-only"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/runs\/\S+ is in the package but PACKAGE.json does not list it/);
    const none = forge(pkg, (f) => {
      for (const k of [...f.keys()]) if (k.startsWith("runs/")) f.delete(k);
      editText(f, "PACKAGE.json", (t) => t.replace(/"runs": \[[^\]]*\]/, '"runs": []'));
    });
    const n = verify(none);
    expect(n.status).toBe(1);
    expect(n.stderr.trim().split("\n").at(-1)).toMatch(/the package lists no runs; nothing to verify/);
    const crashed = forge(pkg, (f) => editText(f, `${firstRun(f)}/manifest.json`, (t) => t.replace('"status": "completed"', '"status": "running"')));
    const c = verify(crashed);
    expect(c.status).toBe(1);
    expect(c.stdout).toMatch(/^NOT RUN .*not completed \(status running/m);
  });

  it("refuses a damaged manifest field in one line naming the file and field", () => {
    const bad = forge(pkg, (f) => editText(f, `${firstRun(f)}/manifest.json`, (t) => t.replace(/"hiddenWidths": \[\s*16/, '"hiddenWidths": ["16"')));
    const r = verify(bad);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(/manifest\.json: field config\.hiddenWidths\[0\]: expected a positive integer, got "16"$/);
  });
});

describe("verify and pack say what they cannot vouch for", () => {
  it("--checksums-only on a plain directory of runs is refused: there are no checksums to check", () => {
    const r = verify(runs, ["--checksums-only"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/a directory of runs, not a package: no SHA256SUMS to check/);
  });

  it("a PACKAGE.json that lists one run twice is refused (it read 'verified 2 of 2' for one run)", () => {
    const twice = forge(pkg, (f) =>
      editText(f, "PACKAGE.json", (t) => {
        const doc = JSON.parse(t);
        doc.runs = [doc.runs[0], ...doc.runs];
        return JSON.stringify(doc, null, 2);
      }),
    );
    const r = verify(twice);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/PACKAGE\.json lists runs\/.* twice; refusing the package$/);
  });

  it("pack refuses a run still marked running", () => {
    const dir = tmp();
    const run = readdirSync(runs).find((d) => existsSync(join(runs, d, "manifest.json")))!;
    cpSync(join(runs, run), join(dir, run), { recursive: true });
    const manifest = join(dir, run, "manifest.json");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace('"status": "completed"', '"status": "running"'));
    const r = initdrift(["pack", dir, "-o", join(tmp(), "p.tar.gz")]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/status running \(training now, or killed: resume it first\)/);
  });
});

describe("verify accounts for every file a package ships", () => {
  it("says how many files were compared with the re-runs, checked otherwise, and which were not checked and why", () => {
    const r = verify(pkg);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^files: \d+ compared with the re-runs, \d+ checked by checksums and manifests, \d+ not checked$/m);
    expect(r.stderr).toMatch(/not checked: \d+ file\(s\), e\.g\. runs\/.*\/(figures\/.*|report\.html): a report, drawn from the compared files/);
  });

  it("a fabricated study summary, re-signed, is caught by recomputing it from the re-runs", () => {
    // A package with the study's summary.json and summary.csv at its root.
    const study = tmp();
    cpSync(runs, study, { recursive: true });
    expect(initdrift(["analyze", study, "--quiet"]).status).toBe(0);
    const withSummary = join(tmp(), "with-summary.tar.gz");
    expect(initdrift(["pack", study, "-o", withSummary, "--quiet"]).status).toBe(0);
    expect(verify(withSummary).status).toBe(0);
    const forged = forge(withSummary, (f) =>
      editText(f, "summary.json", (t) => t.replace(/"min_test_loss": \{\s*"mean": [\d.e-]+/, '"min_test_loss": { "mean": 0.001')),
    );
    const r = verify(forged);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/summary\.json differs from the re-runs' \(groups\[0\]\.scalars\.min_test_loss\.mean\)/);
    const csv = forge(withSummary, (f) => editText(f, "summary.csv", (t) => t.replace(/,min_test_loss,,,[\d.e-]+,/, ",min_test_loss,,,0.001,")));
    expect(verify(csv).stderr).toMatch(/summary\.csv has a line the re-runs do not give: .*min_test_loss,,,0\.001/);
  });

  it("manifest fields the re-run never used (seed, train_count) and metrics.csv are compared too", () => {
    const seed = forge(pkg, (f) => editText(f, `${firstRun(f)}/manifest.json`, (t) => t.replace(/"train_count": \d+/, '"train_count": 7')));
    expect(verify(seed).stdout).toMatch(/^MISMATCH .*manifest\.json differs \(dataset\.train_count\)/m);
    const csv = forge(pkg, (f) => editText(f, `${firstRun(f)}/metrics.csv`, (t) => t.replace(/\n1,[\d.e-]+,/, "\n1,0.5,")));
    expect(verify(csv).stdout).toMatch(/^MISMATCH .*metrics\.csv differs/m);
  });
});

describe("verify --package-kernels runs a package's own kernel under a time limit", () => {
  it("a shipped kernel that never returns is stopped and reported as a failure, not a hang", () => {
    // The real kernels, with softmax + cross-entropy made to loop for ever, compiled as the release target is.
    const work = tmp();
    cpSync("assembly", join(work, "asm"), { recursive: true });
    const source = join(work, "asm", "softmax_xent.ts");
    writeFileSync(source, readFileSync(source, "utf8").replace("): f64 {", "): f64 {\n  while (R >= 0) R = R | 0;"));
    const evilPath = join(work, "evil.wasm");
    const asc = spawnSync(process.execPath, [
      "node_modules/assemblyscript/bin/asc.js",
      join(work, "asm", "index.ts"),
      "-O3",
      "--noAssert",
      "--runtime",
      "stub",
      "--enable",
      "simd",
      "--disable",
      "relaxed-simd",
      "--initialMemory",
      "1",
      "-o",
      evilPath,
    ]);
    expect(asc.status, asc.stderr?.toString()).toBe(0);
    const evil = new Uint8Array(readFileSync(evilPath));
    const evilSha = sha256Hex(evil);
    const forged = forge(pkg, (f) => {
      const wasm = [...f.keys()].find((p) => p.startsWith("wasm/"))!;
      const realSha = sha256Hex(f.get(wasm)!);
      f.set(wasm, evil);
      for (const p of [...f.keys()].filter((k) => k.endsWith("manifest.json") || k === "PACKAGE.json")) editText(f, p, (t) => t.replaceAll(realSha, evilSha));
    });
    const started = performance.now();
    const r = verify(forged, ["--package-kernels", "--kernel-time-limit", "2", "--sample", "1"]);
    expect(performance.now() - started).toBeLessThan(60_000);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^MISMATCH .*the package's kernel ran past 2 s .*stopped/m);
    expect(r.stderr).not.toMatch(/internal error/);
  }, 90_000);
});
