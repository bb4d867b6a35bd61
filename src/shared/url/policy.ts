/**
 * One URL policy for every fetch wxagent makes on behalf of someone else (a contact's model via
 * fetch_url, a `full_url` the iLink server sent, the admin preview, `download_media`): allowed
 * schemes, no credentials in URLs, which hosts (any public host, or a CDN allowlist), DNS resolved
 * once and EVERY address vetted (see address.ts). The fetch in fetch.ts then connects to exactly
 * the vetted addresses and re-vets every redirect hop.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP } from "node:net";
import { messageOf, WxError } from "../wx-error.js";
import { bareAddress, isBlockedAddress } from "./address.js";

export class UrlRefusedError extends WxError<"URL_REFUSED"> {
  override readonly name = "UrlRefusedError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("URL_REFUSED", message, options);
  }
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    );
  });

export interface UrlPolicyOptions {
  /** `"public"`: any host whose every address is public. A list: only these `host` (default port of the scheme) or `host:port` entries. */
  hosts: "public" | readonly string[];
  /**
   * Base URLs the caller's own configuration names (the account's API and CDN base URL,
   * which is how a loopback simulator stays reachable): no address check, and fetched through the
   * caller's transport when it passes one.
   */
  trusted?: readonly string[];
  /** `address:port` pairs reachable although private (a dev or test escape hatch; never a bare address). */
  allowAddresses?: readonly string[];
  /** Default `http:` and `https:`. */
  schemes?: readonly string[];
  /** DNS (tests inject one); default the system resolver. */
  resolver?: Resolver;
  /** Redirect hops followed (each re-vetted); default 5. */
  maxRedirects?: number;
}

export interface VettedHop {
  url: URL;
  /** `host:port`, lowercased, port always present. */
  origin: string;
  /** A host from `trusted`: no address was checked. */
  trusted: boolean;
  /** The vetted addresses to connect to (empty for a trusted host). */
  addresses: LookupAddress[];
}

export interface ResolvedUrlPolicy {
  readonly maxRedirects: number;
  /** Parse and vet one URL; throws UrlRefusedError with the reason. */
  vet(url: string): Promise<VettedHop>;
}

const DEFAULT_PORT: Record<string, string> = { "http:": "80", "https:": "443" };

function portOf(u: URL): string {
  return u.port || DEFAULT_PORT[u.protocol] || "";
}

/** `host:port` of an allow entry; a host without a port gets `defaultPort` (or undefined when none). */
function parseEntry(entry: string, defaultPort?: string): { host: string; port?: string } {
  const e = entry.trim().toLowerCase();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(e);
  if (v6?.[1])
    return v6[2]
      ? { host: v6[1], port: v6[2] }
      : { host: v6[1], ...(defaultPort ? { port: defaultPort } : {}) };
  const m = /^([^:]+)(?::(\d+))?$/.exec(e);
  if (!m?.[1]) throw new TypeError(`"${entry}" is not a host or host:port`);
  return m[2] ? { host: m[1], port: m[2] } : { host: m[1], ...(defaultPort ? { port: defaultPort } : {}) };
}

/** `address:port` pairs; a bare address is a configuration error (it would open every port). */
export function parseAllowAddresses(entries: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const entry of entries) {
    const { host, port } = parseEntry(entry);
    if (!port || isIP(host) === 0) {
      throw new TypeError(
        `fetchAllowAddresses entry "${entry}" must be an IP address with a port, e.g. "127.0.0.1:8080" or "[::1]:8080"`,
      );
    }
    out.add(`${bareAddress(host)}|${port}`);
  }
  return out;
}

export function createUrlPolicy(options: UrlPolicyOptions): ResolvedUrlPolicy {
  const schemes = new Set(options.schemes ?? ["http:", "https:"]);
  const resolver = options.resolver ?? systemResolver;
  const allowAddresses = parseAllowAddresses(options.allowAddresses ?? []);
  const trusted = new Set((options.trusted ?? []).flatMap((t) => originOfUrl(t) ?? []));
  const listed = options.hosts === "public" ? undefined : options.hosts.map((h) => parseEntry(h));

  // An entry without a port allows the standard ports only (80, 443), never any port.
  const hostAllowed = (host: string, port: string): boolean =>
    !listed ||
    listed.some(
      (e) => e.host === host && (e.port === undefined ? port === "80" || port === "443" : e.port === port),
    );

  return {
    maxRedirects: options.maxRedirects ?? 5,
    async vet(raw) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new UrlRefusedError(`refused: not a valid URL: ${raw.slice(0, 200)}`);
      }
      if (!schemes.has(url.protocol)) {
        throw new UrlRefusedError(
          `refused: only ${[...schemes].map((s) => s.slice(0, -1)).join(" and ")} URLs are fetched (got ${url.protocol})`,
        );
      }
      if (url.username || url.password)
        throw new UrlRefusedError("refused: URLs with credentials are not fetched");
      const host = bareAddress(url.hostname);
      const port = portOf(url);
      const origin = originKey({ host, port });
      if (trusted.has(origin)) return { url, origin, trusted: true, addresses: [] };
      if (!hostAllowed(host, port)) {
        throw new UrlRefusedError(`refused: ${url.host} is not an allowed host`);
      }
      const family = isIP(host);
      let addresses: LookupAddress[];
      try {
        addresses = family ? [{ address: host, family }] : await resolver(host);
      } catch (err) {
        throw new UrlRefusedError(`refused: ${host} could not be resolved (${messageOf(err)})`);
      }
      if (addresses.length === 0) throw new UrlRefusedError(`refused: ${host} did not resolve`);
      for (const a of addresses) {
        if (allowAddresses.has(`${bareAddress(a.address)}|${port}`)) continue;
        if (isBlockedAddress(a.address)) {
          throw new UrlRefusedError(
            `refused: ${host} resolves to ${a.address}, a loopback, private or link-local address`,
          );
        }
      }
      return { url, origin, trusted: false, addresses };
    },
  };
}

/** `host:port` of a URL (the scheme's default port filled in), or undefined when it does not parse. */
export function originOfUrl(raw: string): string | undefined {
  try {
    const u = new URL(raw);
    return originKey({ host: u.hostname, port: portOf(u) });
  } catch {
    return undefined;
  }
}

function originKey(e: { host: string; port?: string }): string {
  const host = bareAddress(e.host);
  return `${host.includes(":") ? `[${host}]` : host}:${e.port ?? ""}`;
}
