/**
 * fetch_url: GET an http(s) URL for the model under the shared URL policy (src/shared/url): any
 * public host, DNS resolved once and every address vetted, the connection pinned to the vetted
 * address, every redirect hop re-vetted, within size and time limits.
 */
import { tool } from "ai";
import { z } from "zod";
import { createUrlPolicy, policyFetch, type Resolver } from "../../../shared/url/index.js";
import { capText, type ToolContext } from "./context.js";

const MAX_REDIRECTS = 5;
const MAX_TEXT_CHARS = 50_000;

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  /** `address:port` pairs reachable although private (see `tools.fetchAllowAddresses`). */
  allowAddresses: readonly string[];
  resolver?: Resolver;
  signal?: AbortSignal;
}

export interface FetchResult {
  url: string;
  status: number;
  contentType: string;
  body: Buffer;
  truncated: boolean;
}

/** GET with the SSRF guard; throws AddressRefusedError (URL_REFUSED) for forbidden targets. */
export async function guardedFetch(url: string, limits: FetchLimits): Promise<FetchResult> {
  const policy = createUrlPolicy({
    hosts: "public",
    allowAddresses: limits.allowAddresses,
    maxRedirects: MAX_REDIRECTS,
    ...(limits.resolver ? { resolver: limits.resolver } : {}),
  });
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = limits.signal ? AbortSignal.any([limits.signal, timeout]) : timeout;
  const { response, url: final } = await policyFetch(policy, url, {
    signal,
    headers: { "user-agent": "wxagent/0.1 (+fetch_url)", accept: "*/*", "accept-encoding": "identity" },
  });
  const { body, truncated } = await readCapped(response, limits.maxBytes);
  return {
    url: final,
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    body,
    truncated,
  };
}

async function readCapped(res: Response, maxBytes: number): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  if (!res.body) return { body: Buffer.alloc(0), truncated: false };
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { body: Buffer.concat(chunks), truncated: false };
    const chunk = Buffer.from(value);
    size += chunk.length;
    if (size > maxBytes) {
      chunks.push(chunk.subarray(0, chunk.length - (size - maxBytes)));
      await reader.cancel().catch(() => {});
      return { body: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(chunk);
  }
}

/** An opening script, style or noscript tag. */
const HIDDEN_OPEN = /<(script|style|noscript)(?=[\s/>])/gi;

/** Where `</name>` (any case) starts at or after `from`, or -1. */
function closingTag(html: string, name: string, from: number): number {
  for (let at = html.indexOf("</", from); at !== -1; at = html.indexOf("</", at + 2)) {
    const end = at + 2 + name.length;
    if (html[end] === ">" && html.slice(at + 2, end).toLowerCase() === name) return at;
  }
  return -1;
}

/**
 * `html.replace(/<(script|style|noscript)[\s\S]*?<\/\1>/gi, " ")` in linear time: that regex
 * scans to the end of the page from every unclosed opening tag (n² for a page of them). Here a
 * closing tag that was not found is not looked for again.
 */
function dropHidden(html: string): string {
  const parts: string[] = [];
  const unclosedFrom = new Map<string, number>();
  let kept = 0;
  HIDDEN_OPEN.lastIndex = 0;
  for (let m = HIDDEN_OPEN.exec(html); m; m = HIDDEN_OPEN.exec(html)) {
    const name = (m[1] ?? "").toLowerCase();
    const from = m.index + m[0].length;
    const failed = unclosedFrom.get(name);
    const close = failed !== undefined && failed <= from ? -1 : closingTag(html, name, from);
    if (close === -1) {
      unclosedFrom.set(name, from);
      continue;
    }
    parts.push(html.slice(kept, m.index), " ");
    kept = close + name.length + 3;
    HIDDEN_OPEN.lastIndex = kept;
  }
  parts.push(html.slice(kept));
  return parts.join("");
}

/**
 * Rough HTML → text, enough for a model to read a page. Linear in the page, which is hostile:
 * scripts are dropped by `dropHidden`, and tags are replaced only up to the last ">" (after it
 * `<[^>]+>` can match nothing, and trying it from every "<" of a run of them costs n²).
 */
export function htmlToText(html: string): string {
  const text = dropHidden(html).replace(/<br\s*\/?>|<\/(p|div|li|h\d|tr)>/gi, "\n");
  const lastTag = text.lastIndexOf(">") + 1;
  return (text.slice(0, lastTag).replace(/<[^>]+>/g, " ") + text.slice(lastTag))
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/[ \t]+/g, " ")
    .replace(/\n\s*\n+/g, "\n\n")
    .trim();
}

export function fetchUrlTool(ctx: ToolContext) {
  return tool({
    description: "Fetch a public web page or file over http(s) and return its text.",
    inputSchema: z.object({ url: z.string().min(1) }),
    execute: async ({ url }, { abortSignal }) => {
      const r = await guardedFetch(url, {
        timeoutMs: ctx.limits.fetchTimeoutMs,
        maxBytes: ctx.limits.fetchMaxBytes,
        allowAddresses: ctx.limits.fetchAllowAddresses,
        resolver: ctx.resolver,
        signal: abortSignal,
      });
      const head = `HTTP ${r.status} ${r.contentType || "(no content type)"}, ${r.body.length} bytes${r.truncated ? " (truncated)" : ""}`;
      const textual = /^(text\/|application\/(json|xml|xhtml|javascript))|\+json|\+xml/i.test(r.contentType);
      if (!textual && r.body.subarray(0, 8192).includes(0)) return `${head}\nbinary content not shown`;
      const raw = r.body.toString("utf8");
      const text = /html/i.test(r.contentType) ? htmlToText(raw) : raw;
      return `${head}\n\n${capText(text, MAX_TEXT_CHARS)}`;
    },
  });
}
