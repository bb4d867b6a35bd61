/**
 * The fetch of the URL policy: every hop vetted by the policy, the connection pinned to the
 * addresses that were vetted (an undici Agent whose `connect.lookup` answers only those, so a
 * second DNS answer can never be used), redirects followed by hand and re-vetted, a hop limit.
 * A trusted host (the caller's own configuration) goes through the caller's transport instead,
 * still with manual redirects.
 */
import type { LookupAddress } from "node:dns";
import { type ResolvedUrlPolicy, UrlRefusedError, type VettedHop } from "./policy.js";

/** The `fetch` shape the SDK takes (a subset of the global one). */
export type FetchTransport = (input: string, init?: RequestInit) => Promise<Response>;

export interface PolicyFetchOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** How trusted hosts are reached (the SDK client's fetch: the simulator in tests); default pinned too. */
  transport?: FetchTransport;
}

export interface PolicyResponse {
  response: Response;
  /** The URL of the last hop. */
  url: string;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `lookup` that answers only the vetted addresses, whatever DNS would say now. */
export function pinnedLookup(addresses: readonly LookupAddress[]) {
  return (
    _hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: LookupCallback,
  ) => {
    const fam =
      options.family === 6 || options.family === "IPv6"
        ? 6
        : options.family === 4 || options.family === "IPv4"
          ? 4
          : 0;
    const usable = fam ? addresses.filter((a) => a.family === fam) : [...addresses];
    const first = usable[0];
    if (!first) {
      callback(Object.assign(new Error("no vetted address of that family"), { code: "ENOTFOUND" }), "");
      return;
    }
    if (options.all) callback(null, usable);
    else callback(null, first.address, first.family);
  };
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);

async function pinnedFetch(hop: VettedHop, o: PolicyFetchOptions): Promise<Response> {
  // Loaded with the first fetch: undici's whole index (fetch, WebSocket, caches …) is about 5 MB
  // of a gateway's memory, which most gateways never fetch a URL with (bench/cli-rss.ts).
  const { Agent, fetch: undiciFetch } = await import("undici");
  // A trusted host (configuration, not message content) has no vetted list: plain DNS.
  const agent = new Agent(hop.trusted ? {} : { connect: { lookup: pinnedLookup(hop.addresses) as never } });
  try {
    const res = await undiciFetch(hop.url, {
      dispatcher: agent,
      redirect: "manual",
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.headers ? { headers: o.headers } : {}),
    });
    return res as unknown as Response;
  } finally {
    // Graceful: the response body in flight is still read; the agent is gone after it.
    void agent.close().catch(() => {});
  }
}

/** GET `url` under `policy`; throws UrlRefusedError for a refused hop or too many redirects. */
export async function policyFetch(
  policy: ResolvedUrlPolicy,
  url: string,
  o: PolicyFetchOptions = {},
): Promise<PolicyResponse> {
  let current = url;
  for (let hop = 0; hop <= policy.maxRedirects; hop++) {
    const vetted = await policy.vet(current);
    const res =
      vetted.trusted && o.transport
        ? await o.transport(vetted.url.href, {
            redirect: "manual",
            ...(o.signal ? { signal: o.signal } : {}),
            ...(o.headers ? { headers: o.headers } : {}),
          })
        : await pinnedFetch(vetted, o);
    const location = res.headers.get("location");
    if (REDIRECT.has(res.status) && location) {
      await res.body?.cancel().catch(() => {});
      current = new URL(location, vetted.url).href;
      continue;
    }
    return { response: res, url: vetted.url.href };
  }
  throw new UrlRefusedError(`refused: more than ${policy.maxRedirects} redirects`);
}

/** A FetchLike for the SDK (`download()`), every call under the policy. */
export function policyTransport(policy: ResolvedUrlPolicy, transport?: FetchTransport) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const signal = init?.signal ?? undefined;
    const { response } = await policyFetch(policy, url, {
      ...(signal ? { signal } : {}),
      ...(transport ? { transport } : {}),
    });
    return response;
  };
}
