#!/usr/bin/env node
// Writes docs/claims.md from the claims as data (src/claims/paper-claims.ts, built into dist/) and,
// where given, a claims.json from a real run, whose verdicts go beside each claim; with
// --study NAME (condensation, hessian-init), docs/claims-NAME.md from src/claims/NAME-claims.ts.
//   node scripts/claims-doc.mjs [--study NAME] [CLAIMS_JSON] > docs/claims.md
import { readFileSync } from "node:fs";
import { CHECKS } from "../dist/claims/checks/index.js";
import { requirementsOf } from "../dist/claims/evaluate.js";
import { STUDIES } from "../dist/claims/presets.js";

const args = process.argv.slice(2);
const studyName = args[0] === "--study" ? args[1] : "paper";
const study = STUDIES[studyName];
if (!study) {
  process.stderr.write(`claims-doc: no study '${studyName}' (known: ${Object.keys(STUDIES).join(", ")})\n`);
  process.exit(2);
}
const CLAIMS = study.claims;
const claimsJson = args[0] === "--study" ? args[2] : args[0];
const paper = studyName === "paper";
/** The section of docs/method.md that defines a related study's terms. */
const METHOD_SECTION = { condensation: "The condensation study", "hessian-init": "The Hessian-initialisation study" };
const run = claimsJson ? JSON.parse(readFileSync(claimsJson, "utf8")) : null;
const results = new Map((run?.claims ?? []).map((c) => [c.id, c]));
const values = (c) => Object.fromEntries(Object.entries(c.tolerances).map(([k, t]) => [k, t.value]));
const cell = (s) => String(s).replace(/\|/g, "\\|").replace(/\n/g, " ");
const num = (x) => (typeof x === "number" ? (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(3)))) : String(x));

const needs = (c) =>
  [
    c.data === "verified"
      ? `runs of ${c.scope.join(", ")} on files verified against the catalogue (subsets count: the paper names no data)`
      : `the paper's data of ${c.scope.join(", ")} (verified against the catalogue, whole training and test sets)`,
    ...requirementsOf(c),
  ].join("; ");

function sureness(v) {
  const m = v.margin ? `${v.margin.name} ${num(v.margin.value)} against ${v.margin.relation} ${num(v.margin.threshold)}` : "";
  const s = v.stability === null || v.stability === undefined ? "" : `stability ${num(v.stability)} over ${v.resamples} leave-one-seed-out resamples`;
  return [m, s, v.fragile ? `**fragile** (${v.fragile_because.join("; ")})` : ""].filter(Boolean).join("; ");
}

const out = [];
out.push(`# ${paper ? "The paper's claims" : `The ${studyName} study's claims`}

${paper ? "" : `The claims of ${study.paper}, checked by \`initdrift reproduce --study ${studyName}\`.\n\n`}Every claim initdrift checks, as it stands in \`src/claims/${paper ? "paper-claims" : `${studyName}-claims`}.ts\`:
${
  paper
    ? `the paper's words and where they are, the datasets the paper states it for
(its scope: only the paper's data of these datasets counts for the paper),
what is measured, the predicate, each tolerance with its reason, and what
runs make it testable. docs/method.md ("The paper's claims") explains data
units, extensions, margins and fragility.`
    : `the paper's words and where they are, the dataset the study tests it on
(its scope: the abstract gives no design, so this is the project's choice, and
any run on its verified files counts), what is measured, the predicate, each
tolerance with its reason, and what runs make it testable. docs/method.md
("${METHOD_SECTION[studyName] ?? `The ${studyName} study`}") defines the terms; ("The paper's claims") explains
data units, extensions, margins and fragility.`
}${
  run
    ? `

Beside each claim, its verdict in the laptop run published in
[reproduction.md](reproduction.md) (${run.runs} runs; claims.json copied to
[figures/reproduction/${paper ? "claims.json" : `claims-${studyName}.json`}](figures/reproduction/${paper ? "claims.json" : `claims-${studyName}.json`})).`
    : ""
}

This page is written by \`node scripts/claims-doc.mjs ${paper ? "docs/figures/reproduction/claims.json > docs/claims.md" : `--study ${studyName} docs/figures/reproduction/claims-${studyName}.json > docs/claims-${studyName}.md`}\`
(after \`npm run build\`); \`test/claims-doc.test.ts\` checks that it still
lists every claim and tolerance as the code has them.

| claim | source | scope | central |${run ? " laptop verdict |" : ""}
| --- | --- | --- | --- |${run ? " --- |" : ""}`);
for (const c of CLAIMS) {
  const r = results.get(c.id);
  out.push(
    `| [\`${c.id}\`](#${c.id}) | ${cell(c.source)} | ${c.scope.join(", ")} | ${c.central ? "yes" : ""} |${run ? ` ${r ? `${r.verdict}${r.fragile && r.verdict !== "not testable" ? " (fragile)" : ""}` : "-"} |` : ""}`,
  );
}
for (const c of CLAIMS) {
  const check = CHECKS[c.check];
  const r = results.get(c.id);
  out.push(`
## ${c.id}

${c.source}. Scope: ${c.scope.join(", ")}${c.central ? " (one of the paper's central claims)" : ""}.

> ${c.quote}

- **Tested:** ${c.statement}
- **Quantity:** ${c.quantity}
- **Check** \`${c.check}\`: ${check.describe(values(c))}
- **Testable with:** ${needs(c)}

| tolerance | value | meaning | why this value |
| --- | --- | --- | --- |
${Object.entries(c.tolerances)
  .map(([k, t]) => `| \`${k}\` | ${num(t.value)} | ${cell(check.tolerances[k])} | ${cell(t.why)} |`)
  .join("\n")}`);
  if (r) {
    out.push(`
**Laptop run:** ${r.verdict}. ${cell(r.reason)}${sureness(r) ? `. ${sureness(r)}` : ""}.`);
    for (const e of r.extensions) out.push(`- extension on ${e.data}: ${e.verdict}. ${cell(e.reason)}${sureness(e) ? `; ${sureness(e)}` : ""}`);
  }
}
process.stdout.write(`${out.join("\n")}\n`);
