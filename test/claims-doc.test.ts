import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONDENSATION_CLAIMS } from "../src/claims/condensation-claims.js";
import { HESSIAN_INIT_CLAIMS } from "../src/claims/hessian-init-claims.js";
import { PAPER_CLAIMS } from "../src/claims/paper-claims.js";

/** docs/claims.md, docs/claims-condensation.md and docs/claims-hessian-init.md are the references for the claims: they must say what the code has, claim by claim. */
describe.each([
  ["docs/claims.md", PAPER_CLAIMS],
  ["docs/claims-condensation.md", CONDENSATION_CLAIMS],
  ["docs/claims-hessian-init.md", HESSIAN_INIT_CLAIMS],
] as const)("%s", (path, claims) => {
  const doc = readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
  const cell = (s: string) => s.replace(/\|/g, "\\|");

  it.each(claims.map((c) => [c.id, c] as const))("lists %s with its quote, scope, check and every tolerance with its reason", (id, c) => {
    expect(doc).toContain(`\n## ${id}\n`);
    const section = doc.slice(doc.indexOf(`\n## ${id}\n`)).split("\n## ")[1]!;
    expect(section).toContain(`> ${c.quote}`);
    expect(section).toContain(`Scope: ${c.scope.join(", ")}`);
    expect(section).toContain(`**Check** \`${c.check}\``);
    for (const [name, t] of Object.entries(c.tolerances)) {
      expect(section).toContain(`| \`${name}\` | `);
      expect(section).toContain(cell(t.why));
    }
  });
});
