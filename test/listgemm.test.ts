import { describe, expect, it } from "vitest";
import { Rng } from "../src/math/rng.js";
import { randomF32 } from "./helpers/random.js";
import { BUILDS, freshKernels, put } from "./helpers/wasm.js";
import type { Kernels } from "../src/train/kernels.js";

// gemmSkippingZeros (assembly/listgemm.ts) against gemm: the same products
// with A's exact zeros left out must give gemm's bits, in every epilogue, every
// layout of A and B the training step uses (and a strided one), at every edge
// of its panels (13, 12, 8 and fewer vectors) and of its blocks of 128 values of p.
const SHAPES: [number, number, number][] = [
  [17, 48, 48], // the smallest product that walks lists
  [5, 53, 129], // two blocks of p, the second one value long; panels of 8 vectors with dropped lanes
  [33, 100, 300], // panels of 13 and 12 vectors, three blocks of p
  [128, 300, 128], // exactly one block of p
  [3, 1000, 257], // 20 panels
  [2, 13_400, 48], // 258 panels: row-major B packed in two passes over its rows (packRows holds 256 at a time)
  [1, 52, 48], // one row, one full panel
  [17, 47, 100], // too narrow: gemm
  [17, 100, 47], // too short: gemm
  [9, 10, 300], // the output layer's width: gemm
];

/** A with about `zeros` of its entries +0 or -0 (half each), like a ReLU output or a gradient masked by one. */
function sparseF32(n: number, seed: number, zeros: number): Float32Array {
  const rng = Rng.forStream(seed, "test-zeros");
  const a = randomF32(n, seed);
  for (let i = 0; i < n; i++) if (rng.uniform() < zeros) a[i] = rng.uniform() < 0.5 ? 0 : -0;
  return a;
}

const nonzeros = (a: Float32Array) => a.filter((v) => v !== 0).length;

/** The f32 bit patterns at ptr: equal only when every bit is (signs of zero and NaN payloads included). */
const bits = (k: Kernels, ptr: number, n: number) => Array.from(new Uint32Array(k.exports.memory.buffer, ptr, n));

/** Storage of A(i, p) (M x K) or B(p, j) (K x N): row-major, column-major, or every other element of a row-major array twice as wide. */
type Layout = "rows" | "columns" | "strided";
function store(k: Kernels, m: Float32Array, rows: number, cols: number, layout: Layout): { ptr: number; rs: number; cs: number } {
  if (layout === "rows") return { ptr: put(k, m), rs: cols, cs: 1 };
  if (layout === "columns") {
    const t = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c]!;
    return { ptr: put(k, t), rs: 1, cs: rows };
  }
  const w = new Float32Array(rows * cols * 2);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) w[r * cols * 2 + c * 2] = m[r * cols + c]!;
  return { ptr: put(k, w), rs: cols * 2, cs: 2 };
}

describe.each(BUILDS)("hidden-layer products skipping A's zeros (%s build)", (build) => {
  const E = freshKernels(build).epilogue;
  const epilogues = [E.store, E.bias, E.biasRelu, E.reluGrad, E.sgd];
  const layouts: [Layout, Layout][] = [
    ["rows", "rows"], // forward: H W
    ["rows", "columns"], // input gradient: dZ W^T
    ["columns", "rows"], // weight gradient: H^T dZ
    ["columns", "columns"],
    ["rows", "strided"],
    ["strided", "strided"],
  ];

  it("gives gemm's bits for every epilogue, layout and share of zeros", () => {
    let seed = 100;
    for (const [M, N, K] of SHAPES) {
      for (const zeros of [0.5, 0, 1, 0.05]) {
        layouts.forEach(([la, lb], n) => {
          const epi = epilogues[(n + seed) % epilogues.length]!;
          const k = freshKernels(build);
          const A = sparseF32(M * K, seed++, zeros),
            B = randomF32(K * N, seed++),
            bias = put(k, randomF32(N, seed++)),
            reluOut = put(k, sparseF32(M * N, seed++, 0.5)),
            C0 = randomF32(M * N, seed++);
          const a = store(k, A, M, K, la),
            b = store(k, B, K, N, lb);
          const packs = k.packSizes(N, K);
          const packedA = k.alloc(packs.packedA * 4),
            packedB = k.alloc(packs.packedB * 4),
            lists = k.alloc(k.exports.listScratchBytes(M, K));
          const dense = put(k, C0),
            skipping = put(k, C0);
          k.exports.gemm(M, N, K, a.ptr, a.rs, a.cs, b.ptr, b.rs, b.cs, dense, N, epi, bias, reluOut, 0.1, packedA, packedB);
          const walked = k.exports.gemmSkippingZeros(
            M,
            N,
            K,
            a.ptr,
            a.rs,
            a.cs,
            b.ptr,
            b.rs,
            b.cs,
            skipping,
            N,
            epi,
            bias,
            reluOut,
            0.1,
            packedA,
            packedB,
            lists,
          );
          const what = `M=${M} N=${N} K=${K} zeros=${zeros} A ${la} B ${lb} epilogue ${epi}`;
          expect(bits(k, skipping, M * N), what).toEqual(bits(k, dense, M * N));
          // Lists only where they pay: N and K of at least 48, and at most 85% of A nonzero.
          const listed = N >= 48 && K >= 48 && nonzeros(A) <= 0.85 * M * K;
          expect(walked, what).toBe(listed ? nonzeros(A) : -1);
        });
      }
    }
  });

  it("keeps NaN and infinity in A where gemm has them (only exact zeros are skipped)", () => {
    const [M, N, K] = [6, 64, 150];
    const k = freshKernels(build);
    const A = sparseF32(M * K, 7, 0.5);
    A[3] = Number.NaN;
    A[K + 5] = Number.POSITIVE_INFINITY;
    A[2 * K + 140] = Number.NEGATIVE_INFINITY;
    const a = put(k, A),
      b = put(k, randomF32(K * N, 8));
    const packs = k.packSizes(N, K);
    const packedA = k.alloc(packs.packedA * 4),
      packedB = k.alloc(packs.packedB * 4);
    const dense = k.alloc(M * N * 4),
      skipping = k.alloc(M * N * 4);
    k.exports.gemm(M, N, K, a, K, 1, b, N, 1, dense, N, E.store, 0, 0, 0, packedA, packedB);
    expect(
      k.exports.gemmSkippingZeros(M, N, K, a, K, 1, b, N, 1, skipping, N, E.store, 0, 0, 0, packedA, packedB, k.alloc(k.exports.listScratchBytes(M, K))),
    ).toBe(nonzeros(A));
    expect(bits(k, skipping, M * N)).toEqual(bits(k, dense, M * N));
    expect(k.f32(skipping, M * N).filter((v) => !Number.isFinite(v)).length).toBe(3 * N);
  });

  it("sizes its scratch past i32 as i32's largest, so that allocating it fails instead of wrapping", () => {
    const k = freshKernels(build).exports;
    expect(k.listScratchBytes(100_000, 50_000)).toBe(2 ** 31 - 1);
    expect(k.panelFloats(100_000, 100_000)).toBe(2 ** 31 - 1);
    // Small products: the starts, the partial sums (K > 128) and every entry plus four spare.
    expect(k.listScratchBytes(128, 1000)).toBeGreaterThanOrEqual(128 * 9 * 4 + 128 * 208 + (128 * 1000 + 4) * 8);
  });
});
