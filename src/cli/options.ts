import { InvalidArgumentError } from "commander";

/** Commander parser for a non-negative integer option. */
export function intOption(name: string, min = 0): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`${name} must be an integer ≥ ${min} (got "${value}")`);
    }
    return n;
  };
}

export function onOffOption(name: string): (value: string) => boolean {
  return (value: string) => {
    if (value === "on" || value === "true") return true;
    if (value === "off" || value === "false") return false;
    throw new InvalidArgumentError(`${name} must be "on" or "off" (got "${value}")`);
  };
}

/** Print data as JSON (for --json) or as aligned text rows. */
export function printRows(rows: Record<string, unknown>[], json: boolean, empty = "(none)"): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write(`${empty}\n`);
    return;
  }
  const keys = Object.keys(rows[0] ?? {});
  const cells = rows.map((r) => keys.map((k) => formatCell(r[k])));
  const widths = keys.map((k, i) => Math.max(k.length, ...cells.map((c) => (c[i] ?? "").length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${line(keys)}\n`);
  for (const c of cells) process.stdout.write(`${line(c)}\n`);
}

function formatCell(v: unknown): string {
  if (v === undefined || v === null) return "-";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}
