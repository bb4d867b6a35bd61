/**
 * JSON with object keys sorted at every depth, so field order on the wire never matters; keys in
 * `drop` are left out at any depth, as are undefined values. Iterative (an explicit stack): a
 * message nested 20 000 deep costs time, never the stack (the gateway refuses such a message before
 * it gets here; this holds without that too).
 */
export function canonicalJson(value: unknown, drop: ReadonlySet<string> = new Set()): string {
  const out: string[] = [];
  // Work items: a value still to write, or literal text (brackets, commas, keys).
  const stack: ({ v: unknown } | string)[] = [{ v: value }];
  for (let task = stack.pop(); task !== undefined; task = stack.pop()) {
    if (typeof task === "string") {
      out.push(task);
      continue;
    }
    const v = task.v;
    if (Array.isArray(v)) {
      out.push("[");
      stack.push("]");
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ v: v[i] });
        if (i > 0) stack.push(",");
      }
    } else if (v !== null && typeof v === "object") {
      const entries = Object.entries(v)
        .filter(([k, x]) => x !== undefined && !drop.has(k))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      out.push("{");
      stack.push("}");
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, x] = entries[i] as [string, unknown];
        stack.push({ v: x }, `${JSON.stringify(k)}:`);
        if (i > 0) stack.push(",");
      }
    } else {
      out.push(JSON.stringify(v) ?? "null");
    }
  }
  return out.join("");
}
