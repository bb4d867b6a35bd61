/**
 * fetch_url: GET an http(s) URL for the model, never reaching loopback, private or link-local
 * addresses (see netguard.ts), re-checking every redirect hop, within size and time limits.
 * node:http is used instead of fetch because it lets us pin the connection to the checked address.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { tool } from "ai";
import { z } from "zod";
import { capText, type ToolContext } from "./context.js";
import { AddressRefusedError, checkHost, guardedLookup, type Resolver, systemResolver } from "./netguard.js";

const MAX_REDIRECTS = 5;
const MAX_TEXT_CHARS = 50_000;

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
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

/** GET with the SSRF guard; throws AddressRefusedError for forbidden targets. */
export async function guardedFetch(url: string, limits: FetchLimits): Promise<FetchResult> {
  const allow = new Set(limits.allowAddresses);
  const resolver = limits.resolver ?? systemResolver;
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = limits.signal ? AbortSignal.any([limits.signal, timeout]) : timeout;
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const u = parseUrl(current);
    // IP literals skip the lookup hook, so check here too (names are checked in the lookup).
    await checkHost(u.hostname, allow, resolver);
    const res = await get(u, guardedLookup(allow, resolver), signal);
    const location = res.headers.location;
    if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location) {
      res.resume();
      current = new URL(location, u).toString();
      continue;
    }
    const { body, truncated } = await readCapped(res, limits.maxBytes);
    return {
      url: current,
      status: res.statusCode ?? 0,
      contentType: String(res.headers["content-type"] ?? ""),
      body,
      truncated,
    };
  }
  throw new Error(`more than ${MAX_REDIRECTS} redirects`);
}

function parseUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`not a valid URL: ${raw}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new AddressRefusedError(`refused: only http and https URLs can be fetched (got ${u.protocol})`);
  }
  if (u.username || u.password)
    throw new AddressRefusedError("refused: URLs with credentials are not fetched");
  return u;
}

function get(
  u: URL,
  lookup: ReturnType<typeof guardedLookup>,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const request = u.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      {
        method: "GET",
        lookup: lookup as never,
        signal,
        headers: { "user-agent": "wxagent/0.1 (+fetch_url)", accept: "*/*", "accept-encoding": "identity" },
      },
      resolve,
    );
    req.on("error", reject);
    req.end();
  });
}

function readCapped(res: IncomingMessage, maxBytes: number): Promise<{ body: Buffer; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    res.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        chunks.push(chunk.subarray(0, chunk.length - (size - maxBytes)));
        done = true;
        res.destroy();
        resolve({ body: Buffer.concat(chunks), truncated: true });
        return;
      }
      chunks.push(chunk);
    });
    res.on("end", () => {
      if (!done) resolve({ body: Buffer.concat(chunks), truncated: false });
    });
    res.on("error", (err) => {
      if (!done) reject(err);
    });
  });
}

/** Rough HTML → text, enough for a model to read a page. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|noscript)[\s\S]*?<\/\1>/gi, " ")
    .replace(/<br\s*\/?>|<\/(p|div|li|h\d|tr)>/gi, "\n")
    .replace(/<[^>]+>/g, " ")
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
