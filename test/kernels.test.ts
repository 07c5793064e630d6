import { describe, expect, it } from "vitest";
import * as ref from "./helpers/reference.js";
import { randomF32, randomLabels, randomPixels, worstError } from "./helpers/random.js";
import { BUILDS, freshKernels, put, scratch } from "./helpers/wasm.js";

const SIZES = [1, 3, 17, 40, 129]; // remainders of every tile edge (5 rows, 8 and 4 columns), and none
const shapes: [number, number, number][] = [];
for (const M of SIZES) for (const N of SIZES) for (const K of SIZES) shapes.push([M, N, K]);

/** f32 accumulation error grows with the reduction length. */
const tol = (K: number) => ({ atol: 4e-7 * K, rtol: 1e-5 });

describe.each(BUILDS)("kernels (%s build) against the float64 reference", (build) => {
  const Epilogue = freshKernels(build).epilogue;
  it("gemm forward with bias and ReLU matches X W + b at every odd size", () => {
    for (const [M, N, K] of shapes) {
      const k = freshKernels(build);
      const X = randomF32(M * K, 1),
        W = randomF32(K * N, 2),
        b = randomF32(N, 3);
      const out = k.alloc(M * N * 4);
      for (const [epi, relu] of [
        [Epilogue.biasRelu, true],
        [Epilogue.bias, false],
      ] as const) {
        k.exports.gemm(M, N, K, put(k, X), K, 1, put(k, W), N, 1, out, N, epi, put(k, b), 0, 0, ...scratch(k, N, K));
        const want = ref.denseForward(X, W, b, M, K, N, relu);
        expect(worstError(k.f32(out, M * N), want, tol(K).atol, tol(K).rtol), `M=${M} N=${N} K=${K}`).toBeLessThanOrEqual(1);
      }
    }
  });

  // The fast build fuses multiply and add, so only the exact builds promise these bits.
  it.skipIf(build === "fast")("gemm gives the bits of the sequential f32 loop, whatever the tile", () => {
    for (const [M, N, K] of shapes) {
      const k = freshKernels(build);
      const A = randomF32(M * K, 4),
        B = randomF32(K * N, 5);
      const out = k.alloc(M * N * 4);
      k.exports.gemm(M, N, K, put(k, A), K, 1, put(k, B), N, 1, out, N, Epilogue.store, 0, 0, 0, ...scratch(k, N, K));
      const want = new Float32Array(M * N);
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let p = 0; p < K; p++) s = Math.fround(s + Math.fround(A[i * K + p]! * B[p * N + j]!));
          want[i * N + j] = s;
        }
      expect(Array.from(k.f32(out, M * N)), `M=${M} N=${N} K=${K}`).toEqual(Array.from(want));
    }
  });

  it.each(["tanh", "xtanh", "x2tanh"] as const)(
    "the %s epilogues: forward f(XW + b) keeping z, backward dY W^T f'(z), against float64, every odd size",
    (activation) => {
      const { f, df } = ref.refActivation(activation);
      const codes = Epilogue.activations[activation];
      for (const [M, N, K] of shapes) {
        const k = freshKernels(build);
        const X = randomF32(M * K, 11),
          W = randomF32(K * N, 12),
          b = randomF32(N, 13);
        const out = k.alloc(M * N * 4),
          z = k.alloc(M * N * 4);
        k.exports.gemm(M, N, K, put(k, X), K, 1, put(k, W), N, 1, out, N, codes.forward, put(k, b), z, 0, ...scratch(k, N, K));
        const pre = ref.denseForward(X, W, b, M, K, N, false);
        const { atol, rtol } = tol(K);
        expect(worstError(k.f32(z, M * N), pre, atol, rtol), `z: M=${M} N=${N} K=${K}`).toBeLessThanOrEqual(1);
        // f of the kept z, which is the value the kernel saw: the error of f alone, not of the sum.
        const zs = k.f32(z, M * N).slice();
        expect(worstError(k.f32(out, M * N), Array.from(zs, f), 2e-7, 1e-6), `f: M=${M} N=${N} K=${K}`).toBeLessThanOrEqual(1);
        // Backward: dY W^T times f'(z), z given.
        const dY = randomF32(M * N, 14);
        const dX = k.alloc(M * K * 4);
        const zIn = randomF32(M * K, 15, -3, 3);
        k.exports.gemm(M, K, N, put(k, dY), N, 1, put(k, W), 1, N, dX, K, codes.gradient, 0, put(k, zIn), 0, ...scratch(k, K, N));
        const prod = ref.matmul(dY, ref.transpose(W, K, N), M, N, K);
        const want = prod.map((v, i) => v * df(zIn[i]!));
        expect(worstError(k.f32(dX, M * K), want, tol(N).atol * 3, 1e-5), `grad: M=${M} N=${N} K=${K}`).toBeLessThanOrEqual(1);
      }
    },
  );

  it.each(["tanh", "xtanh", "x2tanh"] as const)("the %s epilogue gives a column the same bits in a vector lane and at the scalar edge", (activation) => {
    const codes = Epilogue.activations[activation];
    const k = freshKernels(build);
    const [M, K] = [7, 19];
    const X = randomF32(M * K, 16),
      W8 = randomF32(K * 8, 17),
      b8 = randomF32(8, 18);
    // Column 4 of an 8-wide product sits in a vector; of a 5-wide one (the same columns 0-4), at the scalar edge.
    const W5 = new Float32Array(K * 5);
    for (let p = 0; p < K; p++) for (let j = 0; j < 5; j++) W5[p * 5 + j] = W8[p * 8 + j]!;
    const run = (N: number, Wn: Float32Array) => {
      const out = k.alloc(M * N * 4),
        z = k.alloc(M * N * 4);
      k.exports.gemm(M, N, K, put(k, X), K, 1, put(k, Wn), N, 1, out, N, codes.forward, put(k, b8.subarray(0, N)), z, 0, ...scratch(k, N, K));
      return Array.from({ length: M }, (_, i) => k.f32(out, M * N)[i * N + 4]);
    };
    expect(run(5, W5)).toEqual(run(8, W8));
  });

  it("input gradient (dY W^T through ReLU) matches the reference, W^T read in place", () => {
    for (const [rows, n, m] of shapes) {
      const k = freshKernels(build);
      const dY = randomF32(rows * m, 6),
        W = randomF32(n * m, 7),
        H = randomF32(rows * n, 8, -1, 1).map((v) => Math.max(v, 0));
      const dX = k.alloc(rows * n * 4);
      k.exports.gemm(rows, n, m, put(k, dY), m, 1, put(k, W), 1, m, dX, n, Epilogue.reluGrad, 0, put(k, H), 0, ...scratch(k, n, m));
      const want = ref.inputGradient(dY, W, H, rows, n, m);
      expect(worstError(k.f32(dX, rows * n), want, tol(m).atol, tol(m).rtol), `rows=${rows} n=${n} m=${m}`).toBeLessThanOrEqual(1);
    }
  });

  it("weight gradient folded into SGD gives W - lr X^T dY", () => {
    for (const [rows, n, m] of shapes) {
      const k = freshKernels(build);
      const X = randomF32(rows * n, 9),
        dY = randomF32(rows * m, 10),
        W = randomF32(n * m, 11);
      const Wp = put(k, W);
      k.exports.gemm(n, m, rows, put(k, X), 1, n, put(k, dY), m, 1, Wp, m, Epilogue.sgd, 0, 0, 0.1, ...scratch(k, m, rows));
      const g = ref.weightGradient(X, dY, rows, n, m);
      const want = Float64Array.from(W, (w, i) => w - 0.1 * g[i]!);
      expect(worstError(k.f32(Wp, n * m), want, tol(rows).atol, 1e-5), `rows=${rows} n=${n} m=${m}`).toBeLessThanOrEqual(1);
    }
  });

  it("softmax cross-entropy returns the clipped loss, accuracy and gated gradient", () => {
    for (const [rows, K] of [
      [1, 1],
      [3, 3],
      [17, 10],
      [129, 17],
    ] as const) {
      const k = freshKernels(build);
      const Z = randomF32(rows * K, 12, -3, 3);
      // Saturate some rows so both sides of the clip are exercised.
      if (rows > 3) {
        Z[0] = 200;
        Z[K] = -200;
      }
      const labels = randomLabels(rows, K, 13);
      labels[0] = 0;
      const out = k.alloc(rows * K * 4);
      const loss = k.exports.softmaxCrossEntropy(rows, K, put(k, Z), put(k, labels), out, 1 / rows, 1, 1e-7, 0);
      const want = ref.softmaxCrossEntropy(Z, labels, rows, K, 1 / rows);
      expect(loss).toBeCloseTo(want.lossSum, 4);
      expect(k.exports.lastCorrect()).toBe(want.correct);
      expect(worstError(k.f32(out, rows * K), want.dZ, 1e-7, 1e-5)).toBeLessThanOrEqual(1);
      const probs = k.alloc(rows * K * 4);
      k.exports.softmaxCrossEntropy(rows, K, put(k, Z), put(k, labels), probs, 0, 0, 1e-7, 0);
      expect(worstError(k.f32(probs, rows * K), want.P, 1e-7, 1e-5)).toBeLessThanOrEqual(1);
    }
  });

  it("a row whose label probability is clipped contributes -log(eps) and no gradient", () => {
    const k = freshKernels(build);
    const Z = new Float32Array([100, -100, 0]);
    const out = k.alloc(12);
    const loss = k.exports.softmaxCrossEntropy(1, 3, put(k, Z), put(k, new Int32Array([1])), out, 1, 1, 1e-7, 0);
    expect(loss).toBeCloseTo(-Math.log(1e-7), 4);
    expect(Array.from(k.f32(out, 3))).toEqual([0, 0, 0]);
  });

  it("from logits, a row far below the clip gets the log-softmax loss and the full gradient p - onehot", () => {
    const k = freshKernels(build);
    const Z = new Float32Array([100, -100, 0]);
    const out = k.alloc(12);
    const loss = k.exports.softmaxCrossEntropy(1, 3, put(k, Z), put(k, new Int32Array([1])), out, 1, 1, 1e-7, 1);
    // log(sum exp(z - 100)) - (z_y - 100) = log(1 + e^-100 + e^-200) + 200, about 200 (the clip would say 16.1).
    expect(loss).toBeCloseTo(200, 3);
    const g = Array.from(k.f32(out, 3));
    expect(g[0]).toBeCloseTo(1, 6);
    expect(g[1]).toBeCloseTo(-1, 6);
    expect(g[2]).toBeCloseTo(0, 6);
  });

  it("from logits and clipped agree on rows the clip does not touch", () => {
    const rows = 17,
      K = 10;
    const k = freshKernels(build);
    const Z = randomF32(rows * K, 21, -3, 3);
    const labels = randomLabels(rows, K, 22);
    const [a, b] = [k.alloc(rows * K * 4), k.alloc(rows * K * 4)];
    const clipped = k.exports.softmaxCrossEntropy(rows, K, put(k, Z), put(k, labels), a, 1 / rows, 1, 1e-7, 0);
    const fromLogits = k.exports.softmaxCrossEntropy(rows, K, put(k, Z), put(k, labels), b, 1 / rows, 1, 1e-7, 1);
    expect(fromLogits).toBeCloseTo(clipped, 4);
    expect(Array.from(k.f32(b, rows * K))).toEqual(Array.from(k.f32(a, rows * K)));
  });

  it("u8 scaling is the correctly rounded f32 division by 255", () => {
    for (const n of [...SIZES, 256]) {
      const k = freshKernels(build);
      const px = Uint8Array.from({ length: n }, (_, i) => (n === 256 ? i : (i * 37 + 11) % 256));
      const dst = k.alloc(n * 4);
      k.exports.scaleU8(put(k, px), dst, n);
      expect(Array.from(k.f32(dst, n))).toEqual(Array.from(px, (v) => Math.fround(v / 255)));
    }
  });

  it("bias step subtracts lr times the column sums", () => {
    for (const [R, N] of [
      [1, 1],
      [3, 3],
      [17, 17],
      [129, 129],
    ] as const) {
      const k = freshKernels(build);
      const dZ = randomF32(R * N, 14),
        b = randomF32(N, 15);
      const bp = put(k, b);
      k.exports.biasStep(R, N, put(k, dZ), bp, 0.1);
      const want = Float32Array.from(b, (v, j) => {
        let s = 0;
        for (let r = 0; r < R; r++) s = Math.fround(s + dZ[r * N + j]!);
        return Math.fround(v - Math.fround(Math.fround(0.1) * s));
      });
      expect(Array.from(k.f32(bp, N))).toEqual(Array.from(want));
    }
  });

  it("plain SGD update is w - lr g in f32", () => {
    for (const n of SIZES) {
      const k = freshKernels(build);
      const w = randomF32(n, 16),
        g = randomF32(n, 17);
      const wp = put(k, w);
      k.exports.sgdUpdate(wp, put(k, g), n, 0.1);
      expect(Array.from(k.f32(wp, n))).toEqual(Array.from(w, (v, i) => Math.fround(v - Math.fround(Math.fround(0.1) * g[i]!))));
    }
  });

  it("sum of squared deviations matches float64", () => {
    for (const n of SIZES) {
      const k = freshKernels(build);
      const w = randomF32(n, 18),
        w0 = randomF32(n, 19);
      expect(k.exports.sumSquaredDeviation(put(k, w), put(k, w0), n)).toBeCloseTo(ref.sumSquaredDeviation(w, w0), 5);
    }
  });

  it("allFinite spots NaN and infinities", () => {
    const k = freshKernels(build);
    expect(k.exports.allFinite(put(k, new Float32Array([1, 2, 3])), 3)).toBe(1);
    expect(k.exports.allFinite(put(k, new Float32Array([1, NaN, 3])), 3)).toBe(0);
    expect(k.exports.allFinite(put(k, new Float32Array([1, 2, -Infinity])), 3)).toBe(0);
  });
});

// Widths that reach every block of the sparse kernels (13, 12, 8, 4, 3, 2 and 1 vectors) and every kind of last block, with
// lanes past the right edge computed and dropped (5: 8 columns for 5; 17: 32 for 17; 33: 48 for 33; 53: 13 + 8 vectors).
const sparseShapes: [number, number, number][] = [
  ...shapes,
  ...[1, 4, 5, 7, 12, 17, 28, 33, 52, 53, 100, 300].map((N): [number, number, number] => [17, N, 129]),
];

describe.each(BUILDS)("sparse first layer (%s build)", (build) => {
  const Epilogue = freshKernels(build).epilogue;
  it("forward skipping zero pixels gives the dense path's bits", () => {
    for (const [R, N, D] of sparseShapes) {
      const k = freshKernels(build);
      const px = randomPixels(R * D, 20),
        W = randomF32(D * N, 21),
        b = randomF32(N, 22);
      const pxp = put(k, px),
        Wp = put(k, W),
        bp = put(k, b);
      const X = k.alloc(R * D * 4),
        dense = k.alloc(R * N * 4),
        sparse = k.alloc(R * N * 4);
      k.exports.scaleU8(pxp, X, R * D);
      const [packedA, packedB] = scratch(k, N, D);
      k.exports.gemm(R, N, D, X, D, 1, Wp, N, 1, dense, N, Epilogue.biasRelu, bp, 0, 0, packedA, packedB);
      const lists = k.alloc(k.exports.listScratchBytes(R, D));
      k.exports.buildLists(pxp, R, D, N, lists, k.alloc(R * D * 4), 0, 0);
      // Its row lists point into W itself: the walk reads W in place (no packing buffer).
      k.exports.gemmOverLists(R, N, D, lists, Wp, N, 1, sparse, N, Epilogue.biasRelu, bp, 0, 0, 0);
      expect(Array.from(k.f32(sparse, R * N)), `R=${R} N=${N} D=${D}`).toEqual(Array.from(k.f32(dense, R * N)));
    }
  });

  it("lists every nonzero pixel as an (offset, value) pair: rows by input, columns by row, both ascending", () => {
    const [R, D, N] = [9, 37, 6];
    const k = freshKernels(build);
    const px = randomPixels(R * D, 26);
    // Row lists in gemmOverLists's scratch (assembly/listgemm.ts): with D <= 128 one block, so each row's
    // starts are [first entry, end], and the entries follow at the next 16 bytes; W (6 columns) is walked in place.
    const lists = k.alloc(k.exports.listScratchBytes(R, D)),
      rowList = lists + Math.ceil((R * 2 * 4) / 16) * 16,
      colStart = k.alloc((D + 1) * 4),
      colList = k.alloc(R * D * 8);
    const nnz = k.exports.buildLists(put(k, px), R, D, N, lists, k.alloc(R * D * 4), colStart, colList);
    const rowStart = Array.from({ length: R + 1 }, (_, r) => (r < R ? k.i32(lists + r * 8, 1)[0]! : k.i32(lists + (R - 1) * 8 + 4, 1)[0]!));
    // The pairs as the kernels read them: an i32 byte offset, then an f32 value, 8 bytes apart.
    const pairs = (at: number, count: number) => Array.from({ length: count }, (_, q) => [k.i32(at + q * 8, 1)[0]!, k.f32(at + q * 8 + 4, 1)[0]!] as const);
    const value = (v: number) => Math.fround(Math.fround(v) / 255);
    const rows: (readonly [number, number])[] = [];
    const cols: (readonly [number, number])[] = [];
    for (let r = 0; r < R; r++) for (let c = 0; c < D; c++) if (px[r * D + c]) rows.push([c * N * 4, value(px[r * D + c]!)]);
    for (let c = 0; c < D; c++) for (let r = 0; r < R; r++) if (px[r * D + c]) cols.push([r * N * 4, value(px[r * D + c]!)]);
    expect(nnz).toBe(rows.length);
    expect(pairs(rowList, nnz)).toEqual(rows);
    expect(pairs(colList, nnz)).toEqual(cols);
    // Each start is the running count of nonzeros before its row (its column).
    const running = (counts: number[]) => {
      const out = [0];
      for (const c of counts) out.push(out.at(-1)! + c);
      return out;
    };
    const inRow = (r: number) => px.subarray(r * D, (r + 1) * D).filter((v) => v !== 0).length;
    const inColumn = (c: number) => Array.from({ length: R }, (_, r) => px[r * D + c]).filter((v) => v !== 0).length;
    expect(rowStart).toEqual(running(Array.from({ length: R }, (_, r) => inRow(r))));
    for (let r = 0; r + 1 < R; r++) expect(k.i32(lists + r * 8 + 4, 1)[0], `row ${r}'s end`).toBe(rowStart[r + 1]);
    expect(Array.from(k.i32(colStart, D + 1))).toEqual(running(Array.from({ length: D }, (_, c) => inColumn(c))));
  });

  it("weight step skipping zero pixels gives the dense path's bits", () => {
    for (const [R, N, D] of sparseShapes) {
      const k = freshKernels(build);
      const px = randomPixels(R * D, 23),
        dZ = randomF32(R * N, 24),
        W = randomF32(D * N, 25);
      const pxp = put(k, px),
        dZp = put(k, dZ),
        Wd = put(k, W),
        Ws = put(k, W);
      const X = k.alloc(R * D * 4);
      k.exports.scaleU8(pxp, X, R * D);
      k.exports.gemm(D, N, R, X, 1, D, dZp, N, 1, Wd, N, Epilogue.sgd, 0, 0, 0.1, ...scratch(k, N, R));
      const colStart = k.alloc((D + 1) * 4),
        colList = k.alloc(R * D * 8);
      const nnz = k.exports.buildLists(pxp, R, D, N, k.alloc(k.exports.listScratchBytes(R, D)), k.alloc(R * D * 4), colStart, colList);
      expect(nnz).toBe(px.filter((v) => v !== 0).length);
      expect(k.i32(colStart, D + 1)[D]).toBe(nnz);
      k.exports.sparseWeightStep(D, N, colStart, colList, dZp, Ws, 0.1);
      expect(Array.from(k.f32(Ws, D * N)), `R=${R} N=${N} D=${D}`).toEqual(Array.from(k.f32(Wd, D * N)));
    }
  });
});
