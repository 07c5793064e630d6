/**
 * Every relative link in README.md and docs/ points at a file that exists,
 * and every #anchor at a heading of that file (GitHub's anchor rules:
 * lower case, punctuation dropped, spaces to hyphens).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? markdownFiles(path) : name.endsWith(".md") ? [path] : [];
  });
}

/** GitHub's anchor of a heading. */
const anchor = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

function anchorsOf(path: string): Set<string> {
  const text = readFileSync(path, "utf8").replace(/```[\s\S]*?```/g, "");
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of text.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const a = anchor(m[1]!);
    const n = seen.get(a) ?? 0;
    out.add(n ? `${a}-${n}` : a);
    seen.set(a, n + 1);
  }
  return out;
}

const files = [join(ROOT, "README.md"), ...markdownFiles(join(ROOT, "docs"))];

it.each(files.map((f) => [f.slice(ROOT.length + 1), f]))("%s: every relative link and anchor resolves", (_name, file) => {
  const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
  const broken: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const link = m[1]!;
    if (/^[a-z]+:/.test(link)) continue; // http:, https:, mailto:
    const [target, hash] = link.split("#") as [string, string | undefined];
    const path = target ? normalize(join(dirname(file), target)) : file;
    if (!existsSync(path)) broken.push(`${link} (no file)`);
    else if (hash !== undefined && path.endsWith(".md") && !anchorsOf(path).has(hash)) broken.push(`${link} (no heading #${hash})`);
  }
  expect(broken).toEqual([]);
});
