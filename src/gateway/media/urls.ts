/**
 * Which download links the gateway follows. The server hands out `full_url`; a forged or hostile
 * message could point it anywhere (an internal admin page, cloud metadata), so it is used only
 * when its host is a CDN host we trust: the account's own configured hosts (cdnBaseUrl and
 * baseUrl, which is how a loopback simulator stays reachable), the default WeChat CDN, or an
 * allowlist. Other hosts fall back to the URL built from `encrypt_query_param` on the account's
 * cdnBaseUrl. Trusted hosts that are not the account's own must not resolve to private addresses.
 */
import type { FetchLike } from "../../ilink/client.js";
import type { CDNMedia } from "../../ilink/wire.js";
import { DEFAULT_CDN_BASE_URL } from "../../ilink/wire.js";
import { createUrlPolicy, policyTransport, type Resolver, UrlRefusedError } from "../../shared/url/index.js";
import { MediaError } from "./errors.js";

export interface CdnUrlPolicyOptions {
  /** The account's CDN base URL (trusted: it is configuration, not message content). */
  cdnBaseUrl: string;
  /** The account's API base URL (trusted for the same reason; the simulator serves both). */
  baseUrl?: string;
  /** More allowed hosts (`host` for ports 80/443, or `host:port`, case-insensitive). */
  allowHosts?: readonly string[];
  /** DNS for allowlisted names (tests inject one); default the system resolver. */
  resolver?: Resolver;
  /** `address:port` pairs an allowlisted host may resolve to although private (tests, dev). */
  allowAddresses?: readonly string[];
}

export interface VettedMedia {
  media: CDNMedia;
  /** Why `full_url` was dropped, for the log; undefined when it was kept or absent. */
  refused?: string;
}

export interface CdnUrlPolicy {
  /** `media` with `full_url` kept only when allowed; throws MEDIA_URL_REFUSED when nothing is left. */
  vet(media: CDNMedia): Promise<VettedMedia>;
  /**
   * A fetch for the download itself: every hop (the first and each redirect) vetted again, the
   * connection pinned to the vetted address; the account's own hosts go through `transport`.
   */
  fetchVia(transport: FetchLike): FetchLike;
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
  const policy = createUrlPolicy({
    hosts: [hostOf(DEFAULT_CDN_BASE_URL), ...(options.allowHosts ?? [])].filter((h): h is string => !!h),
    trusted: [options.cdnBaseUrl, ...(options.baseUrl ? [options.baseUrl] : [])],
    ...(options.allowAddresses ? { allowAddresses: options.allowAddresses } : {}),
    ...(options.resolver ? { resolver: options.resolver } : {}),
  });

  async function check(url: string): Promise<string | undefined> {
    try {
      await policy.vet(url);
      return undefined;
    } catch (err) {
      if (err instanceof UrlRefusedError) return err.message.replace(/^refused: /, "");
      throw err;
    }
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
    fetchVia(transport) {
      const guarded = policyTransport(policy, (url, init) => transport(url, init));
      return async (input, init) => {
        try {
          return await guarded(input, init);
        } catch (err) {
          if (err instanceof UrlRefusedError) throw new MediaError("MEDIA_URL_REFUSED", err.message);
          throw err;
        }
      };
    },
  };
}

function missing(): MediaError {
  return new MediaError("MEDIA_MISSING", "the media item has neither full_url nor encrypt_query_param");
}
