import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeNpy, encodeNpy } from "../src/codec/npy.js";

const numpy = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" }).status === 0;
// Under CI the check must run (.ci/run installs python3-numpy): a skip there would hide whether Python reads every file.
if (!numpy && process.env.CI === "true") throw new Error("CI needs python3 with numpy (apt-get install python3-numpy)");
if (!numpy) process.stderr.write("npy: the numpy check is skipped: python3 with numpy is not installed here\n");

describe(".npy files", () => {
  const data = Float32Array.from({ length: 12 }, (_, i) => (i - 5) / 3);

  it("round-trip through the project's own reader with shape and bits", () => {
    const back = decodeNpy(encodeNpy(data, [3, 4]), "x.npy");
    expect(back.shape).toEqual([3, 4]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
    expect(decodeNpy(encodeNpy(data.subarray(0, 5), [5]), "v.npy").shape).toEqual([5]);
  });

  it("have a header padded to 64 bytes", () => {
    const bytes = encodeNpy(data, [3, 4]);
    expect((bytes.length - 12 * 4) % 64).toBe(0);
  });

  it("refuse other dtypes and truncated data with the file's name", () => {
    const bytes = encodeNpy(data, [3, 4]);
    expect(() => decodeNpy(bytes.subarray(0, bytes.length - 4), "t.npy")).toThrow(/t.npy: not a float32 .npy file \(3x4 needs 48 data bytes, file has 44\)/);
    const f8 = bytes.slice();
    f8[new TextDecoder("latin1").decode(f8).indexOf("<f4") + 2] = "8".charCodeAt(0);
    expect(() => decodeNpy(f8, "d.npy")).toThrow(/dtype/);
    expect(() => decodeNpy(new Uint8Array([1, 2, 3]), "m.npy")).toThrow(/bad magic/);
  });

  it.skipIf(!numpy)("load in numpy with the same values (python3 + numpy present)", () => {
    const dir = mkdtempSync(join(tmpdir(), "initdrift-npy-"));
    writeFileSync(join(dir, "a.npy"), encodeNpy(data, [3, 4]));
    const r = spawnSync(
      "python3",
      ["-c", `import numpy as np; a = np.load(${JSON.stringify(join(dir, "a.npy"))}); print(a.dtype, a.shape, repr(a.ravel().tolist()))`],
      { encoding: "utf8" },
    );
    expect(r.status).toBe(0);
    const [dtype, ...rest] = r.stdout.trim().split(" ");
    expect(dtype).toBe("float32");
    expect(rest.join(" ")).toMatch(/^\(3, 4\) /);
    const values = JSON.parse(rest.join(" ").replace(/^\(3, 4\) /, "")) as number[];
    expect(values).toEqual(Array.from(data));
  });
});
