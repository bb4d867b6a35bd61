import { InvalidArgumentError } from "commander";
import { jsonWithInvisibleEscaped, showInvisible } from "../shared/invisible.js";
import { messageOf } from "../shared/wx-error.js";
import { CliError } from "./errors.js";

/** Commander parser for an integer option within [min, max]. */
export function intOption(name: string, min = 0, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
      throw new InvalidArgumentError(`${name} must be an integer ${range} (got "${value}")`);
    }
    return n;
  };
}

/** A TCP port; 0 asks the system for any free one. */
export const portOption = (name: string) => intOption(name, 0, 65_535);

export function onOffOption(name: string): (value: string) => boolean {
  return (value: string) => {
    if (value === "on" || value === "true") return true;
    if (value === "off" || value === "false") return false;
    throw new InvalidArgumentError(`${name} must be "on" or "off" (got "${value}")`);
  };
}

/** Commander parser for an http(s) URL option; the value is kept as typed. */
export function urlOption(name: string): (value: string) => string {
  return (value: string) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw new InvalidArgumentError(
        `${name} must be an http(s) URL such as https://ilinkai.weixin.qq.com or http://127.0.0.1:8790 (got "${value}")`,
      );
    }
    return value;
  };
}

/**
 * A server that could not listen, in words and with the option that changes it (not Node's
 * `listen EADDRINUSE: address already in use`). Other errors pass through.
 */
export function listenError(err: unknown, port: number, flag: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") {
    return new CliError(
      `port ${port} is in use (another wxagent, perhaps): choose another with ${flag} <port>, or ${flag} 0 for any free port`,
    );
  }
  if (code === "EACCES") {
    return new CliError(
      `port ${port} needs privileges on this system: choose one above 1023 with ${flag} <port>`,
    );
  }
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
    return new CliError(
      `cannot listen there: the host is not an address of this machine (${messageOf(err)}); use 127.0.0.1, or 0.0.0.0 for every interface`,
    );
  }
  return err;
}

/**
 * Print text for a person at a terminal. Names, ids, messages and error texts in it come from
 * contacts, the iLink server or a shared database: every invisible character a terminal would act
 * on (ESC sequences, CR, bidi overrides) is printed visibly (`showInvisible`); `printJson` writes
 * them as JSON escapes.
 */
export function writeText(text: string): void {
  process.stdout.write(showInvisible(text));
}

/** Print a `--json` answer: one object, as the REST API and the MCP tools give it. */
export function printJson(data: unknown): void {
  process.stdout.write(`${jsonWithInvisibleEscaped(JSON.stringify(data, null, 2))}\n`);
}

/**
 * A data command's answer: with `--json` the object itself (as REST and MCP give it), else its
 * rows as a table (`empty` when there are none).
 */
export function printAnswer(
  json: boolean | undefined,
  answer: object,
  rows: () => Record<string, unknown>[],
  empty: string,
): void {
  if (json) printJson(answer);
  else printRows(rows(), empty);
}

/** Print aligned text rows (the human face of a `--json` answer). */
export function printRows(rows: Record<string, unknown>[], empty = "(none)"): void {
  if (rows.length === 0) {
    writeText(`${empty}\n`);
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
  writeText(`${line(keys)}\n`);
  for (const c of cells) writeText(`${line(c)}\n`);
}

function formatCell(v: unknown): string {
  if (v === undefined || v === null) return "-";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}
