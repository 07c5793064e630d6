/**
 * A strict well-formedness check for the XML initdrift writes (SVG): one root,
 * balanced and properly nested tags, quoted attributes without duplicates,
 * escaped text (& only as an entity, no < outside markup). Throws with the
 * offset of the first fault; returns the element names in document order.
 */
export function checkXml(text: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  let pos = 0,
    roots = 0;
  const fail = (why: string): never => {
    throw new Error(`XML not well-formed at ${pos}: ${why}`);
  };
  const entity = /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;
  while (pos < text.length) {
    const lt = text.indexOf("<", pos);
    const chunk = text.slice(pos, lt < 0 ? text.length : lt);
    for (let i = chunk.indexOf("&"); i >= 0; i = chunk.indexOf("&", i + 1)) if (!entity.test(chunk.slice(i))) fail("bare &");
    if (lt < 0) {
      if (chunk.trim()) fail("text after the root");
      break;
    }
    if (stack.length === 0 && chunk.trim()) fail("text outside the root");
    pos = lt;
    if (text.startsWith("<!--", pos)) {
      const e = text.indexOf("-->", pos);
      if (e < 0) fail("open comment");
      pos = e + 3;
      continue;
    }
    if (text.startsWith("<?", pos)) {
      const e = text.indexOf("?>", pos);
      if (e < 0) fail("open PI");
      pos = e + 2;
      continue;
    }
    const end = text.indexOf(">", pos);
    if (end < 0) fail("open tag");
    const tag = text.slice(pos + 1, end);
    if (tag.startsWith("/")) {
      const name = tag.slice(1).trim();
      if (stack.pop() !== name) fail(`</${name}> does not close the open element`);
    } else {
      const selfClosing = tag.endsWith("/");
      const m = /^([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*\/?$/.exec(tag);
      if (!m) fail(`bad tag <${tag.slice(0, 40)}>`);
      const attrs = [...m![2]!.matchAll(/([A-Za-z_][\w:.-]*)\s*=/g)].map((a) => a[1]);
      if (new Set(attrs).size !== attrs.length) fail(`duplicate attribute in <${m![1]}>`);
      for (const v of m![2]!.matchAll(/=\s*"([^"]*)"/g))
        for (let i = v[1]!.indexOf("&"); i >= 0; i = v[1]!.indexOf("&", i + 1)) if (!entity.test(v[1]!.slice(i))) fail("bare & in attribute");
      if (stack.length === 0) roots++;
      if (roots > 1) fail("more than one root");
      names.push(m![1]!);
      if (!selfClosing) stack.push(m![1]!);
    }
    pos = end + 1;
  }
  if (stack.length) fail(`unclosed <${stack.at(-1)}>`);
  if (roots !== 1) fail("no root element");
  return names;
}

/** Number of data series (<g class="series">) in an SVG; faint per-run lines (class "series run") apart. */
export function seriesCount(svg: string, kind: "series" | "series run" = "series"): number {
  return (svg.match(new RegExp(`<g class="${kind}"`, "g")) ?? []).length;
}
