/**
 * QR-code login (docs/protocol.md §3), usable without the gateway: fetch a QR code from the fixed
 * host, long-poll its status every second, follow every status the server can send, and return
 * the credentials. Saving them is the caller's business.
 */
import { sleep } from "../shared/sleep.js";
import { type FetchLike, ILinkClient } from "./client.js";
import { abortedError, ILinkError } from "./errors.js";
import { type ILinkLogger, silentLogger } from "./logger.js";
import { DEFAULT_BASE_URL, type GetQrcodeStatusResponse } from "./wire.js";

/**
 * @example
 * import type { QrCode } from "wxagent/ilink";
 * const show = (qr: QrCode) => console.error(`open ${qr.url} in WeChat`);
 */
export interface QrCode {
  /** Opaque QR session id, used for status polling. */
  qrcode: string;
  /** What to render as a QR code (a URL, despite the old `qrDataUrl` name). */
  url: string;
}

/**
 * @example
 * import { type LoginWithQrOptions, loginWithQr } from "wxagent/ilink";
 * const options: LoginWithQrOptions = { onQr: (qr) => console.error(`scan ${qr.url}`) };
 * await loginWithQr(options);
 */
export interface LoginWithQrOptions {
  fetch?: FetchLike;
  /** QR host; default the fixed `https://ilinkai.weixin.qq.com` (§1.1), whatever the account's URL. */
  baseUrl?: string;
  /** Bot tokens stored locally, newest first (≤ 10 are sent), so the server can answer binded_redirect. */
  localTokens?: readonly string[];
  /** Overall deadline; default 480 000 ms (8 min), floor 1 000 ms. */
  timeoutMs?: number;
  /** Pause between status polls; default 1 000 ms. */
  pollIntervalMs?: number;
  signal?: AbortSignal;
  routeTag?: string | number;
  /** Called with the first QR code and every refreshed one. */
  onQr: (qr: QrCode) => void;
  /** Called with every status answer (`wait` also stands for a failed poll). */
  onStatus?: (status: string, detail: GetQrcodeStatusResponse) => void;
  /**
   * The phone shows a number to type in (`need_verifycode`). `attempt` is 1 for the first ask and
   * higher when the previous code was wrong. Resolve undefined to give up.
   */
  askVerifyCode?: (attempt: number) => Promise<string | undefined>;
  logger?: ILinkLogger;
}

/**
 * @example
 * import { type LoginResult, loginWithQr } from "wxagent/ilink";
 * const result: LoginResult = await loginWithQr({ onQr: (qr) => console.error(qr.url) });
 * if (!result.alreadyBound) console.error(result.accountId);
 */
export type LoginResult =
  | {
      alreadyBound: false;
      /** Raw `ilink_bot_id`, e.g. `b0f5860fdecb@im.bot`. */
      accountId: string;
      token: string;
      /** The confirmed `baseurl`, else the QR host. */
      baseUrl: string;
      /** The WeChat user who scanned (owner), if the server said. */
      userId: string | undefined;
    }
  /** `binded_redirect`: this bot is already bound to these local tokens; nothing to save. */
  | { alreadyBound: true };

/**
 * @example
 * import { MAX_QR_CODES } from "wxagent/ilink";
 * const codes: number = MAX_QR_CODES; // 3
 */
export const MAX_QR_CODES = 3;
export const QR_STATUS_TIMEOUT_MS = 35_000;
/**
 * @example
 * import { DEFAULT_LOGIN_TIMEOUT_MS } from "wxagent/ilink";
 * const minutes = DEFAULT_LOGIN_TIMEOUT_MS / 60_000; // 8
 */
export const DEFAULT_LOGIN_TIMEOUT_MS = 480_000;

/**
 * `redirect_host` is a bare host name on the live server; a full origin is accepted for simulators.
 *
 * @example
 * import { redirectBaseUrl } from "wxagent/ilink";
 * const baseUrl = redirectBaseUrl("ilinkai2.weixin.qq.com");
 */
export function redirectBaseUrl(host: string): string {
  const h = host.trim();
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(h) ? h : `https://${h}`;
}

/**
 * @example
 * import { Bot, loginWithQr } from "wxagent/ilink";
 * const login = await loginWithQr({ onQr: (qr) => console.error(`scan: ${qr.url}`) });
 * if (!login.alreadyBound) new Bot({ token: login.token, baseUrl: login.baseUrl });
 */
export async function loginWithQr(options: LoginWithQrOptions): Promise<LoginResult> {
  const qrHost = options.baseUrl?.trim() || DEFAULT_BASE_URL;
  const timeoutMs = Math.max(1_000, options.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS);
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const signal = options.signal;
  const log = options.logger ?? silentLogger;
  const client = new ILinkClient({
    baseUrl: qrHost,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.routeTag === undefined ? {} : { routeTag: options.routeTag }),
    logger: log,
  });
  const deadline = Date.now() + timeoutMs;
  const remaining = () => deadline - Date.now();
  const loginTimeout = () =>
    new ILinkError(
      "LOGIN_TIMEOUT",
      `no confirmed scan within ${Math.round(timeoutMs / 1000)} s; run the login again and scan the QR code with WeChat`,
      { endpoint: "qr-login" },
    );
  const checkAbort = () => {
    if (signal?.aborted) throw abortedError("qr-login", signal.reason);
  };

  const fetchQr = async (): Promise<QrCode> => {
    checkAbort();
    let res: Awaited<ReturnType<ILinkClient["getBotQrcode"]>>;
    try {
      res = await client.getBotQrcode({
        baseUrl: qrHost,
        localTokens: options.localTokens ?? [],
        // The official client has no timeout here; ours is bounded by the login deadline.
        timeoutMs: Math.max(1, remaining()),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw abortedError("qr-login", signal.reason);
      if (remaining() <= 0) throw loginTimeout();
      throw new ILinkError("LOGIN_FAILED", `could not fetch a QR code: ${(err as Error).message}`, {
        endpoint: "qr-login",
        cause: err,
      });
    }
    if (!res.qrcode || !res.qrcode_img_content) {
      throw new ILinkError("BAD_RESPONSE", "get_bot_qrcode answered without qrcode / qrcode_img_content", {
        endpoint: "qr-login",
      });
    }
    const qr = { qrcode: res.qrcode, url: res.qrcode_img_content };
    options.onQr(qr);
    return qr;
  };

  let qr = await fetchQr();
  let qrCount = 1;
  let pollBase = qrHost; // moved by scaned_but_redirect, kept across refreshes
  let pendingCode: string | undefined;
  let verifyAttempts = 0;

  const refresh = async (why: "expired" | "verify_code_blocked"): Promise<void> => {
    qrCount++;
    if (qrCount > MAX_QR_CODES) {
      throw new ILinkError(
        "QR_EXPIRED",
        why === "expired"
          ? `${MAX_QR_CODES} QR codes expired without a confirmed scan; run the login again when the phone is at hand`
          : "too many wrong pairing codes; wait a while, then run the login again",
        { endpoint: "qr-login" },
      );
    }
    pendingCode = undefined;
    verifyAttempts = 0;
    qr = await fetchQr();
  };

  for (;;) {
    checkAbort();
    if (remaining() <= 0) throw loginTimeout();
    let res: GetQrcodeStatusResponse;
    try {
      res = await client.getQrcodeStatus(qr.qrcode, {
        baseUrl: pollBase,
        timeoutMs: Math.min(QR_STATUS_TIMEOUT_MS, remaining()),
        ...(pendingCode ? { verifyCode: pendingCode } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      checkAbort();
      // §3.2: a timeout, an HTTP error, a network error or bad JSON all count as `wait`.
      log.debug({ code: (err as ILinkError).code }, "qr status poll failed; treated as wait");
      res = { status: "wait" };
    }
    const status = res.status ?? "wait";
    options.onStatus?.(status, res);

    switch (status) {
      case "scaned":
        pendingCode = undefined; // a pending pairing code was accepted
        break;
      case "need_verifycode": {
        verifyAttempts++;
        const code = await options.askVerifyCode?.(verifyAttempts);
        checkAbort();
        if (!code) {
          throw new ILinkError(
            "LOGIN_FAILED",
            "the phone asks for the number it shows, and no code was given; run the login again in a terminal",
            { endpoint: "qr-login" },
          );
        }
        pendingCode = code.trim();
        continue; // re-poll at once with &verify_code=
      }
      case "verify_code_blocked":
        await refresh("verify_code_blocked");
        break;
      case "expired":
        await refresh("expired");
        break;
      case "scaned_but_redirect":
        if (res.redirect_host) pollBase = redirectBaseUrl(res.redirect_host);
        break;
      case "binded_redirect":
        return { alreadyBound: true };
      case "confirmed":
        if (!res.ilink_bot_id) {
          throw new ILinkError("LOGIN_FAILED", "login failed: the server confirmed without ilink_bot_id", {
            endpoint: "qr-login",
          });
        }
        if (!res.bot_token) {
          throw new ILinkError("LOGIN_FAILED", "login failed: the server confirmed without bot_token", {
            endpoint: "qr-login",
          });
        }
        return {
          alreadyBound: false,
          accountId: res.ilink_bot_id,
          token: res.bot_token,
          baseUrl: res.baseurl?.trim() || qrHost,
          userId: res.ilink_user_id || undefined,
        };
      default:
        break; // wait, and any status this client does not know: keep polling
    }
    const pause = Math.min(pollIntervalMs, remaining());
    if (pause > 0) {
      try {
        await sleep(pause, signal);
      } catch {
        checkAbort();
      }
    }
  }
}
