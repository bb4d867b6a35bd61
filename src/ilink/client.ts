/**
 * `ILinkClient`: one method per iLink endpoint (docs/protocol.md §2), with the exact headers,
 * `base_info`, per-call timeouts and per-endpoint success checks of the official client, and
 * typed errors. The transport (`fetch`) is injected so tests and the simulator need no network.
 */

import { VERSION } from "../shared/version.js";
import { ILinkApiError, ILinkError, isILinkError } from "./errors.js";
import { defaultExchange, type Exchange, fetchExchange } from "./exchange.js";
import { encodeClientVersion, randomWechatUin, sanitizeBotAgent } from "./headers.js";
import { type ILinkLogger, silentLogger } from "./logger.js";
import { type FetchLike, type ParseMode, type RequestSpec, requestJson, sendRequest } from "./request.js";
import {
  type ApiStatus,
  AUTHORIZATION_TYPE,
  type BaseInfo,
  DEFAULT_BASE_URL,
  DEFAULT_BOT_TYPE,
  DEFAULT_CDN_BASE_URL,
  DEFAULT_LONG_POLL_TIMEOUT_MS,
  Endpoint,
  type EndpointName,
  ErrCode,
  type GetBotQrcodeResponse,
  type GetConfigRequest,
  type GetConfigResponse,
  type GetQrcodeStatusResponse,
  type GetUpdatesResponse,
  type GetUploadUrlRequest,
  type GetUploadUrlResponse,
  Header,
  ILINK_APP_ID,
  type NotifyResponse,
  type SendMessageResponse,
  type SendTypingRequest,
  type WeixinMessage,
} from "./wire.js";

export type { FetchLike } from "./request.js";

/**
 * Every call takes these. `timeoutMs` overrides the endpoint default; 0 disables it.
 *
 * @example
 * import { type CallOptions, ILinkClient } from "wxagent/ilink";
 * const call: CallOptions = { timeoutMs: 5_000, signal: AbortSignal.timeout(10_000) };
 * await new ILinkClient({ token: "bot-token" }).getUpdates("", call);
 */
export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * @example
 * import { ILinkClient, type ILinkClientOptions } from "wxagent/ilink";
 * const options: ILinkClientOptions = { token: "bot-token", baseUrl: "https://ilinkai.weixin.qq.com" };
 * const client = new ILinkClient(options);
 */
export interface ILinkClientOptions {
  /** API base URL (the `baseurl` saved at login); a path prefix is kept. */
  baseUrl?: string;
  /** Bot token; sent as `Authorization: Bearer` when non-blank. */
  token?: string;
  cdnBaseUrl?: string;
  /**
   * Inject a transport (tests, the simulator's in-process `app.request`): every call, bot API and
   * CDN, goes through it. Without it, bot API calls use a shared keep-alive undici pool and CDN
   * transfers use `globalThis.fetch`.
   */
  fetch?: FetchLike;
  /** `SKRouteTag` header, only sent when set. */
  routeTag?: string | number;
  /** Self-declared `base_info.bot_agent`, sanitised per §1.8. */
  botAgent?: string;
  /** `base_info.channel_version`. */
  channelVersion?: string;
  /** Version encoded into `iLink-App-ClientVersion`. */
  clientVersion?: string;
  logger?: ILinkLogger;
}

/**
 * We speak the protocol of the official client 2.4.9, so we announce that version: the server may
 * gate behaviour on it. Our own identity goes into `bot_agent`, which exists for observability.
 *
 * @example
 * import { PROTOCOL_VERSION } from "wxagent/ilink";
 * const version: string = PROTOCOL_VERSION;
 */
export const PROTOCOL_VERSION = "2.4.9";
/**
 * @example
 * import { SDK_BOT_AGENT } from "wxagent/ilink";
 * const agent: string = SDK_BOT_AGENT;
 */
export const SDK_BOT_AGENT = `wxagent/${VERSION}`;

/**
 * Client-side timeouts per call (§1.11). getupdates starts at 35 s, then follows the server.
 *
 * @example
 * import { DEFAULT_TIMEOUTS_MS } from "wxagent/ilink";
 * const sendTimeoutMs: number = DEFAULT_TIMEOUTS_MS.sendMessage;
 */
export const DEFAULT_TIMEOUTS_MS = {
  sendMessage: 15_000,
  getUploadUrl: 15_000,
  getConfig: 10_000,
  sendTyping: 10_000,
  notify: 10_000,
  getQrcodeStatus: 35_000,
} as const;

function hasStatus(s: ApiStatus, field: "ret" | "errcode"): boolean {
  const v = s[field];
  return v !== undefined && v !== null && v !== 0;
}

/** getupdates rule: either field present and non-zero is an error (§1.9). */
function failsStrict(s: ApiStatus): boolean {
  return hasStatus(s, "ret") || hasStatus(s, "errcode");
}

/**
 * @example
 * import { ILinkClient } from "wxagent/ilink";
 * const client = new ILinkClient({ token: "bot-token" });
 * const { msgs, get_updates_buf } = await client.getUpdates("");
 */
export class ILinkClient {
  readonly baseUrl: string;
  readonly cdnBaseUrl: string;
  /** The transport for CDN transfers (the injected `fetch`, else `globalThis.fetch`). */
  readonly fetch: FetchLike;
  /** The transport for bot API calls. */
  readonly #exchange: Exchange;
  /** Client timeout of the next getupdates: 35 000 ms until the server sends a hint (§5.1). */
  longPollTimeoutMs: number = DEFAULT_LONG_POLL_TIMEOUT_MS;

  readonly #token: string;
  readonly #routeTag: string | undefined;
  readonly #baseInfo: BaseInfo;
  readonly #clientVersion: string;
  readonly #log: ILinkLogger;

  constructor(options: ILinkClientOptions = {}) {
    this.baseUrl = options.baseUrl?.trim() || DEFAULT_BASE_URL;
    this.cdnBaseUrl = (options.cdnBaseUrl?.trim() || DEFAULT_CDN_BASE_URL).replace(/\/+$/, "");
    const injected = options.fetch;
    // Wrapped so the function is never called with this client as `this`.
    this.fetch = injected
      ? (input, init) => injected(input, init)
      : (input, init) => globalThis.fetch(input, init);
    this.#exchange = injected ? fetchExchange(this.fetch) : defaultExchange();
    this.#token = options.token?.trim() ?? "";
    const tag = options.routeTag === undefined ? "" : String(options.routeTag).trim();
    this.#routeTag = tag || undefined;
    this.#baseInfo = {
      channel_version: options.channelVersion ?? PROTOCOL_VERSION,
      bot_agent: sanitizeBotAgent(options.botAgent ?? SDK_BOT_AGENT, SDK_BOT_AGENT),
    };
    this.#clientVersion = encodeClientVersion(options.clientVersion ?? PROTOCOL_VERSION);
    this.#log = options.logger ?? silentLogger;
  }

  /** Secrets to mask in error text. */
  get secrets(): readonly string[] {
    return this.#token ? [this.#token] : [];
  }

  get hasToken(): boolean {
    return this.#token !== "";
  }

  // ── Endpoints ────────────────────────────────────────────────────────────

  /** POST get_bot_qrcode (§2.1): no bearer, no base_info; always the fixed QR host unless `baseUrl`. */
  async getBotQrcode(
    options: CallOptions & { localTokens?: readonly string[]; baseUrl?: string; botType?: string } = {},
  ): Promise<GetBotQrcodeResponse> {
    const url = this.#url(Endpoint.getBotQrcode, options.baseUrl ?? DEFAULT_BASE_URL, {
      bot_type: options.botType ?? DEFAULT_BOT_TYPE,
    });
    const body = JSON.stringify({ local_token_list: (options.localTokens ?? []).slice(0, 10) });
    const res = await this.#json<GetBotQrcodeResponse>("plain", {
      endpoint: Endpoint.getBotQrcode,
      method: "POST",
      url,
      headers: this.#jsonHeaders(false),
      body,
      timeoutMs: options.timeoutMs, // none by default (§1.11)
      signal: options.signal,
    });
    if (failsStrict(res)) throw this.#apiError(Endpoint.getBotQrcode, res);
    return res;
  }

  /** GET get_qrcode_status (§2.2): only the app headers; long poll of up to 35 s. */
  async getQrcodeStatus(
    qrcode: string,
    options: CallOptions & { verifyCode?: string; baseUrl?: string } = {},
  ): Promise<GetQrcodeStatusResponse> {
    const query: Record<string, string> = { qrcode };
    if (options.verifyCode) query.verify_code = options.verifyCode;
    return this.#json<GetQrcodeStatusResponse>("plain", {
      endpoint: Endpoint.getQrcodeStatus,
      method: "GET",
      url: this.#url(Endpoint.getQrcodeStatus, options.baseUrl ?? DEFAULT_BASE_URL, query),
      headers: this.#appHeaders(),
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUTS_MS.getQrcodeStatus,
      signal: options.signal,
    });
  }

  /**
   * POST getupdates (§2.3, §5). Reaching the client timeout is the normal end of a long poll and
   * returns an empty batch with the same cursor; an abort of `signal` rejects with ABORTED.
   * A `longpolling_timeout_ms` hint becomes the next default timeout, even on error answers.
   */
  async getUpdates(cursor: string, options: CallOptions = {}): Promise<GetUpdatesResponse> {
    const timeoutMs = options.timeoutMs ?? this.longPollTimeoutMs;
    let res: GetUpdatesResponse;
    try {
      res = await this.#postBot<GetUpdatesResponse>(
        Endpoint.getUpdates,
        { get_updates_buf: cursor },
        { signal: options.signal, timeoutMs },
        "lossless",
      );
    } catch (err) {
      if (isILinkError(err, "TIMEOUT") && !options.signal?.aborted) {
        return { ret: 0, msgs: [], get_updates_buf: cursor };
      }
      throw err;
    }
    const hint = res.longpolling_timeout_ms;
    if (typeof hint === "number" && hint > 0) this.longPollTimeoutMs = hint;
    if (failsStrict(res)) throw this.#apiError(Endpoint.getUpdates, res);
    return res;
  }

  /**
   * POST sendmessage (§2.4). The official rule is "ret truthy and ≠ 0 fails, errcode ignored".
   * For honest delivery we also fail on errcode -14 / -2, which the live server has been seen to
   * put in `errcode` alone when a send was not delivered.
   */
  async sendMessage(msg: WeixinMessage, options: CallOptions = {}): Promise<SendMessageResponse> {
    const res = await this.#postBot<SendMessageResponse>(
      Endpoint.sendMessage,
      { msg },
      { signal: options.signal, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUTS_MS.sendMessage },
      "lossless",
    );
    const badErrcode = res.errcode === ErrCode.SESSION_EXPIRED || res.errcode === ErrCode.THROTTLED;
    if (hasStatus(res, "ret") || badErrcode) {
      throw this.#apiError(Endpoint.sendMessage, res, msg.context_token);
    }
    return res;
  }

  /** POST getuploadurl (§2.5): fails only when no upload URL came back. */
  async getUploadUrl(
    request: Omit<GetUploadUrlRequest, "base_info">,
    options: CallOptions = {},
  ): Promise<GetUploadUrlResponse> {
    const res = await this.#postBot<GetUploadUrlResponse>(
      Endpoint.getUploadUrl,
      request,
      { signal: options.signal, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUTS_MS.getUploadUrl },
      "plain",
    );
    if (res.upload_full_url?.trim() || res.upload_param) return res;
    if (failsStrict(res)) throw this.#apiError(Endpoint.getUploadUrl, res);
    throw new ILinkError(
      "NO_UPLOAD_URL",
      `${Endpoint.getUploadUrl}: getUploadUrl returned no upload URL (neither upload_full_url nor upload_param); retry the upload later`,
      { endpoint: Endpoint.getUploadUrl },
    );
  }

  /** POST getconfig (§2.6): only an explicit `ret: 0` is success (a missing ret fails). */
  async getConfig(
    request: Omit<GetConfigRequest, "base_info">,
    options: CallOptions = {},
  ): Promise<GetConfigResponse> {
    const res = await this.#postBot<GetConfigResponse>(
      Endpoint.getConfig,
      request,
      { signal: options.signal, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUTS_MS.getConfig },
      "plain",
    );
    if (res.ret !== 0) throw this.#apiError(Endpoint.getConfig, res);
    return res;
  }

  /** POST sendtyping (§2.7): the body is never read; only transport errors count. */
  async sendTyping(request: Omit<SendTypingRequest, "base_info">, options: CallOptions = {}): Promise<void> {
    await sendRequest(
      this.#exchange,
      {
        endpoint: Endpoint.sendTyping,
        method: "POST",
        url: this.#botUrl(Endpoint.sendTyping),
        headers: this.#jsonHeaders(true),
        body: JSON.stringify({ ...request, base_info: this.#baseInfo }),
        timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUTS_MS.sendTyping,
        signal: options.signal,
      },
      { secrets: this.secrets, logger: this.#log },
    );
  }

  /** POST msg/notifystart (§2.8). A non-zero ret is only logged, as the official client does. */
  notifyStart(options: CallOptions = {}): Promise<NotifyResponse> {
    return this.#notify(Endpoint.notifyStart, options);
  }

  /** POST msg/notifystop (§2.8). Give it its own signal: it runs after the poll was aborted. */
  notifyStop(options: CallOptions = {}): Promise<NotifyResponse> {
    return this.#notify(Endpoint.notifyStop, options);
  }

  /**
   * Raw POST to a bot endpoint with the auth headers and `base_info`, answered as parsed JSON
   * (uint64 ids as strings) without any success check.
   */
  async call(
    name: Exclude<EndpointName, "getBotQrcode" | "getQrcodeStatus">,
    body: Record<string, unknown>,
    options: CallOptions = {},
  ): Promise<Record<string, unknown> & ApiStatus> {
    return this.#postBot(Endpoint[name], body, options, "lossless");
  }

  // ── Plumbing ─────────────────────────────────────────────────────────────

  async #notify(endpoint: string, options: CallOptions): Promise<NotifyResponse> {
    const res = await this.#postBot<NotifyResponse>(
      endpoint,
      {},
      { signal: options.signal, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUTS_MS.notify },
      "plain",
    );
    if (hasStatus(res, "ret"))
      this.#log.warn({ endpoint, ret: res.ret, errmsg: res.errmsg }, "notify refused");
    return res;
  }

  #postBot<T>(endpoint: string, body: object, options: CallOptions, mode: ParseMode): Promise<T> {
    return this.#json<T>(mode, {
      endpoint,
      method: "POST",
      url: this.#botUrl(endpoint),
      headers: this.#jsonHeaders(true),
      body: JSON.stringify({ ...body, base_info: this.#baseInfo }),
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
  }

  /** Bot endpoint URLs, parsed once each (never mutated: the exchange only reads them). */
  readonly #botUrls = new Map<string, URL>();

  #botUrl(endpoint: string): URL {
    let url = this.#botUrls.get(endpoint);
    if (!url) {
      url = this.#url(endpoint);
      this.#botUrls.set(endpoint, url);
    }
    return url;
  }

  #url(path: string, base: string = this.baseUrl, query?: Record<string, string>): URL {
    const url = new URL(path, base.endsWith("/") ? base : `${base}/`);
    if (query) {
      url.search = Object.entries(query)
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
        .join("&");
    }
    return url;
  }

  #appHeaders(): Record<string, string> {
    const h: Record<string, string> = {
      [Header.appId]: ILINK_APP_ID,
      [Header.clientVersion]: this.#clientVersion,
    };
    if (this.#routeTag) h[Header.routeTag] = this.#routeTag;
    return h;
  }

  #jsonHeaders(withToken: boolean): Record<string, string> {
    const h: Record<string, string> = {
      "Content-Type": "application/json",
      [Header.authorizationType]: AUTHORIZATION_TYPE,
    };
    if (withToken && this.#token) h[Header.authorization] = `Bearer ${this.#token}`;
    h[Header.uin] = randomWechatUin();
    return { ...h, ...this.#appHeaders() };
  }

  #apiError(endpoint: string, status: ApiStatus, ...extraSecrets: (string | undefined)[]): ILinkApiError {
    const secrets = [...this.secrets, ...extraSecrets.filter((x): x is string => !!x)];
    return new ILinkApiError(endpoint, status, { secrets });
  }

  #json<T>(mode: ParseMode, spec: RequestSpec): Promise<T> {
    return requestJson<T>(this.#exchange, mode, spec, { secrets: this.secrets, logger: this.#log });
  }
}
