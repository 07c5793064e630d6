import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PAPER_CLAIMS } from "../src/claims/paper-claims.js";

/** docs/claims.md is the reference for the claims: it must say what the code has, claim by claim. */
describe("docs/claims.md", () => {
  const doc = readFileSync(new URL("../docs/claims.md", import.meta.url), "utf8");
  const cell = (s: string) => s.replace(/\|/g, "\\|");

  it.each(PAPER_CLAIMS.map((c) => [c.id, c] as const))("lists %s with its quote, scope, check and every tolerance with its reason", (id, c) => {
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
