/**
 * `SimControlClient`: the simulator control API (`/sim/…`, product.md) as typed calls over any
 * `fetch`: the global one for a simulator on a socket (`wxagent sim`, `startSimulator`), or a
 * simulator's in-process `fetch`. Every call takes an `AbortSignal` (an abort rejects with the
 * signal's reason) and fails with a `SimTestError`: the HTTP status mapped to a stable code, the
 * simulator's own `{error}` text in the message.
 */
import type { SimFetch } from "./app.js";
import type {
  SimAccountInfo,
  SimBotAccount,
  SimConfig,
  SimConfigPatch,
  SimConfirmResult,
  SimFaultAdded,
  SimFaultInput,
  SimFaultRule,
  SimMessageFilter,
  SimMessageInfo,
  SimMessageInput,
  SimMessageSent,
  SimQrInfo,
  SimRedelivered,
  SimRedeliverInput,
  SimScanInput,
  SimScanResult,
  SimUserInfo,
  TypingEvent,
} from "./control-types.js";
import { SimTestError, type SimTestErrorCode } from "./test-error.js";

export interface SimControlClientOptions {
  /** the simulator's origin, e.g. `http://127.0.0.1:8790` (no `/sim`) */
  baseUrl: string;
  /** default: the global fetch */
  fetch?: SimFetch;
}

export interface CallOptions {
  signal?: AbortSignal;
}

type Query = Record<string, string | undefined>;

const CODE_BY_STATUS: Record<number, SimTestErrorCode> = {
  400: "SIM_BAD_REQUEST",
  403: "SIM_FORBIDDEN",
  404: "SIM_NOT_FOUND",
  409: "SIM_CONFLICT",
};

export class SimControlClient {
  readonly baseUrl: string;
  readonly #fetch: SimFetch;

  constructor(options: SimControlClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** A bound bot account without QR; a new owner user unless `owner_user_id` is given. */
  createAccount(input: { name?: string; owner_user_id?: string } = {}, o?: CallOptions) {
    return this.#call<SimBotAccount>("POST", "/accounts", input, o);
  }

  async accounts(o?: CallOptions): Promise<SimAccountInfo[]> {
    return (await this.#call<{ accounts: SimAccountInfo[] }>("GET", "/accounts", undefined, o)).accounts;
  }

  /** A WeChat user (`…@im.wechat`). Any id works as `from` too: the simulator makes the user then. */
  createUser(input: { name?: string } = {}, o?: CallOptions) {
    return this.#call<SimUserInfo>("POST", "/users", input, o);
  }

  async users(o?: CallOptions): Promise<SimUserInfo[]> {
    return (await this.#call<{ users: SimUserInfo[] }>("GET", "/users", undefined, o)).users;
  }

  async qrCodes(o?: CallOptions): Promise<SimQrInfo[]> {
    return (await this.#call<{ qrcodes: SimQrInfo[] }>("GET", "/qr", undefined, o)).qrcodes;
  }

  /** The phone scans a QR code (`POST /sim/qr/:qrcode/scan`). */
  scanQr(qrcode: string, input: SimScanInput = {}, o?: CallOptions) {
    return this.#call<SimScanResult>("POST", `/qr/${encodeURIComponent(qrcode)}/scan`, input, o);
  }

  /** The phone confirms (`POST /sim/qr/:qrcode/confirm`); SIM_CONFLICT unless scanned. */
  confirmQr(qrcode: string, o?: CallOptions) {
    return this.#call<SimConfirmResult>("POST", `/qr/${encodeURIComponent(qrcode)}/confirm`, {}, o);
  }

  /** A user sends the bot a message: text, or media as `{base64, name}` (voice may carry a transcript). */
  sendMessage(input: SimMessageInput, o?: CallOptions) {
    return this.#call<SimMessageSent>("POST", "/messages", input, o);
  }

  /** What was exchanged, in order; every filter optional. */
  async messages(filter: SimMessageFilter = {}, o?: CallOptions): Promise<SimMessageInfo[]> {
    const path = `/messages${query({ ...filter })}`;
    return (await this.#call<{ messages: SimMessageInfo[] }>("GET", path, undefined, o)).messages;
  }

  /** Typing start and cancel events. */
  async typing(filter: { account_id?: string; user_id?: string } = {}, o?: CallOptions) {
    const path = `/typing${query(filter)}`;
    return (await this.#call<{ events: TypingEvent[] }>("GET", path, undefined, o)).events;
  }

  /** The next `count` (default 1) calls of an endpoint answer an HTTP status or `ret`, wait, or drop. */
  addFault(fault: SimFaultInput, o?: CallOptions) {
    return this.#call<SimFaultAdded>("POST", "/faults", fault, o);
  }

  /** The account's token goes stale: every bot call answers `-14` until a new login. */
  expireToken(accountId: string, o?: CallOptions) {
    return this.#call<{ expired: string }>("POST", "/faults", { expire_token: accountId }, o);
  }

  /** An inbound message is delivered again, its id unchanged, missing or new. */
  redeliver(input: SimRedeliverInput, o?: CallOptions) {
    return this.#call<SimRedelivered>("POST", "/faults", { redeliver: input }, o);
  }

  /** The pending rules (`id` = the `fault_id` `addFault` answered; `remaining` counts down). */
  async faults(o?: CallOptions): Promise<SimFaultRule[]> {
    return (await this.#call<{ faults: SimFaultRule[] }>("GET", "/faults", undefined, o)).faults;
  }

  /** Drops the pending fault rules (stale tokens stay stale). */
  clearFaults(o?: CallOptions) {
    return this.#call<{ cleared: number }>("DELETE", "/faults", undefined, o);
  }

  async config(o?: CallOptions): Promise<SimConfig> {
    return (await this.#call<{ config: SimConfig }>("GET", "/config", undefined, o)).config;
  }

  /** Realism settings: quota, throttle, text limit, context-token lifetime, seed …; answers the whole config. */
  async setConfig(patch: SimConfigPatch, o?: CallOptions): Promise<SimConfig> {
    return (await this.#call<{ config: SimConfig }>("POST", "/config", patch, o)).config;
  }

  async #call<T>(method: "GET" | "POST" | "DELETE", path: string, body: unknown, o: CallOptions = {}) {
    const url = `${this.baseUrl}/sim${path}`;
    const what = `${method} /sim${path.replace(/\?.*/, "")}`;
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: o.signal,
      });
    } catch (err) {
      if (o.signal?.aborted) throw o.signal.reason;
      throw new SimTestError(
        "SIM_UNREACHABLE",
        `${what}: no answer from the simulator at ${this.baseUrl}: is it running (\`wxagent sim\`)?`,
        { cause: err, isRetryable: true },
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (res.ok && typeof parsed === "object" && parsed !== null) return parsed as T;
    const said = (parsed as { error?: unknown } | undefined)?.error;
    const code = CODE_BY_STATUS[res.status] ?? "SIM_BAD_ANSWER";
    const hint =
      code === "SIM_FORBIDDEN"
        ? " (use the simulator's own address, or add it: `wxagent sim --allowed-host`)"
        : "";
    throw new SimTestError(
      code,
      `${what} answered HTTP ${res.status}: ${typeof said === "string" ? said : text.slice(0, 200)}${hint}`,
      { status: res.status, isRetryable: res.status >= 500 },
    );
  }
}

function query(params: Query): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}
