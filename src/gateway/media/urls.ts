/**
 * Which download links the gateway follows. The server hands out `full_url`; a forged or hostile
 * message could point it anywhere (an internal admin page, cloud metadata), so it is used only
 * when its host is a CDN host we trust: the account's own configured hosts (cdnBaseUrl and
 * baseUrl, which is how a loopback simulator stays reachable), the default WeChat CDN, or an
 * allowlist. Other hosts fall back to the URL built from `encrypt_query_param` on the account's
 * cdnBaseUrl. Trusted hosts that are not the account's own must not resolve to private addresses.
 */
import { isIP } from "node:net";
import { isBlockedAddress, type Resolver, systemResolver } from "../../agent/builtin/tools/netguard.js";
import type { CDNMedia } from "../../ilink/wire.js";
import { DEFAULT_CDN_BASE_URL } from "../../ilink/wire.js";
import { MediaError } from "./errors.js";

export interface CdnUrlPolicyOptions {
  /** The account's CDN base URL (trusted: it is configuration, not message content). */
  cdnBaseUrl: string;
  /** The account's API base URL (trusted for the same reason; the simulator serves both). */
  baseUrl?: string;
  /** More allowed hosts (`host` or `host:port`, case-insensitive). */
  allowHosts?: readonly string[];
  /** DNS for allowlisted names (tests inject one); default the system resolver. */
  resolver?: Resolver;
}

export interface VettedMedia {
  media: CDNMedia;
  /** Why `full_url` was dropped, for the log; undefined when it was kept or absent. */
  refused?: string;
}

export interface CdnUrlPolicy {
  /** `media` with `full_url` kept only when allowed; throws MEDIA_URL_REFUSED when nothing is left. */
  vet(media: CDNMedia): Promise<VettedMedia>;
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

export function createCdnUrlPolicy(options: CdnUrlPolicyOptions): CdnUrlPolicy {
  const own = new Set([hostOf(options.cdnBaseUrl), hostOf(options.baseUrl)].filter((h): h is string => !!h));
  const listed = new Set(
    [hostOf(DEFAULT_CDN_BASE_URL), ...(options.allowHosts ?? []).map((h) => h.trim().toLowerCase())].filter(
      (h): h is string => !!h,
    ),
  );
  const resolver = options.resolver ?? systemResolver;

  async function check(url: string): Promise<string | undefined> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return "full_url is not a valid URL";
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
      return `scheme ${parsed.protocol} refused`;
    if (parsed.username || parsed.password) return "full_url carries credentials";
    const host = parsed.host.toLowerCase();
    if (own.has(host)) return undefined;
    if (!listed.has(host) && !listed.has(parsed.hostname.toLowerCase())) {
      return `host ${parsed.hostname} is not an allowed CDN host`;
    }
    const name = parsed.hostname.replace(/^\[|\]$/g, "");
    try {
      const addresses = isIP(name) ? [{ address: name }] : await resolver(name);
      const bad = addresses.find((a) => isBlockedAddress(a.address));
      if (addresses.length === 0) return `host ${name} did not resolve`;
      if (bad) return `host ${name} resolves to a private address (${bad.address})`;
    } catch (err) {
      return `host ${name} could not be resolved: ${(err as Error).message}`;
    }
    return undefined;
  }

  return {
    async vet(media) {
      const full = media.full_url?.trim();
      if (!full) {
        if (!media.encrypt_query_param) throw missing();
        return { media };
      }
      const refused = await check(full);
      if (!refused) return { media };
      const { full_url: _dropped, ...rest } = media;
      if (!rest.encrypt_query_param) {
        throw new MediaError(
          "MEDIA_URL_REFUSED",
          `refused the media download link (${refused}) and the message has no encrypt_query_param to fall back on; add the host to media.allowHosts if it is a real CDN`,
        );
      }
      return { media: rest, refused };
    },
  };
}

function missing(): MediaError {
  return new MediaError("MEDIA_MISSING", "the media item has neither full_url nor encrypt_query_param");
}
