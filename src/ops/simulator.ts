/**
 * Is an iLink base URL a simulator (`wxagent sim`, the embedded one of `npm start`), and does it
 * still know an account? A simulator keeps its accounts in memory: once it stops or restarts,
 * their tokens are dead for good, so nothing should keep polling them (ECONNREFUSED, or -14,
 * forever). The simulator's control API answers (`GET /sim/accounts`); WeChat's own hosts are
 * https and are never asked.
 */
import type { FetchLike } from "../ilink/client.js";
import { messageOf } from "../shared/wx-error.js";
import type { Account } from "../store/types.js";

export type SimulatorProbe =
  /** Not a simulator (WeChat, or something else answers there). */
  | { kind: "not-simulator" }
  /** Nobody listens there: a simulator that stopped. */
  | { kind: "unreachable"; reason: string }
  /** No clear answer (a timeout, say): decide nothing on it. */
  | { kind: "unknown"; reason: string }
  /** A simulator, with the accounts it knows and their state. */
  | { kind: "simulator"; accounts: ReadonlyMap<string, SimulatorAccount> };

/** What a simulator tells of one of its accounts. */
export interface SimulatorAccount {
  state: string;
  /** Its name on the simulator: what the chat page's @ button writes in a group. */
  name?: string;
}

export interface ProbeOptions {
  signal?: AbortSignal;
  fetch?: FetchLike;
  /** Default 2000: a simulator answers at once, on loopback mostly. */
  timeoutMs?: number;
}

/** Bigger than any simulator's account list; a body past it is not a simulator talking. */
const MAX_BODY_CHARS = 4_000_000;
const DEAD_CODES = new Set(["ECONNREFUSED", "ENOTFOUND"]);

export async function probeSimulator(baseUrl: string, options: ProbeOptions = {}): Promise<SimulatorProbe> {
  let url: URL;
  try {
    url = new URL(`${baseUrl.replace(/\/+$/, "")}/sim/accounts`);
  } catch {
    return { kind: "not-simulator" };
  }
  // iLink itself is https; the simulator serves plain http (loopback, a LAN, a container).
  if (url.protocol !== "http:") return { kind: "not-simulator" };
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 2000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(url.href, { signal, headers: { accept: "application/json" } });
  } catch (err) {
    const code = errorCode(err);
    if (code && DEAD_CODES.has(code)) return { kind: "unreachable", reason: `${code} on ${url.host}` };
    return { kind: "unknown", reason: messageOf(err) };
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    return { kind: "not-simulator" };
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    return { kind: "unknown", reason: messageOf(err) };
  }
  if (text.length > MAX_BODY_CHARS) return { kind: "not-simulator" };
  const accounts = accountsOf(text);
  return accounts ? { kind: "simulator", accounts } : { kind: "not-simulator" };
}

/** `{accounts: [{account_id, state, name}]}`, or undefined for anything else. */
function accountsOf(text: string): Map<string, SimulatorAccount> | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const list = (body as { accounts?: unknown } | null)?.accounts;
  if (!Array.isArray(list)) return undefined;
  const out = new Map<string, SimulatorAccount>();
  for (const a of list) {
    const {
      account_id: id,
      state,
      name,
    } = (a ?? {}) as { account_id?: unknown; state?: unknown; name?: unknown };
    if (typeof id !== "string") continue;
    out.set(id, {
      state: typeof state === "string" ? state : "unknown",
      ...(typeof name === "string" && clean(name) !== "" ? { name: clean(name) } : {}),
    });
  }
  return out;
}

/** A name fit for a terminal line and a mention: no control characters, at most 64 characters. */
function clean(name: string): string {
  return name
    .replace(/\p{Cc}/gu, "")
    .trim()
    .slice(0, 64);
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The simulator's account `accountId`, when `baseUrl` is a simulator that knows it: a login just
 * saved there is marked simulated (and named as the simulator names it). Undefined otherwise.
 */
export async function simulatorAccount(
  baseUrl: string,
  accountId: string,
  options: ProbeOptions = {},
): Promise<SimulatorAccount | undefined> {
  const probe = await probeSimulator(baseUrl, options);
  return probe.kind === "simulator" ? probe.accounts.get(accountId) : undefined;
}

/**
 * Is a simulated account's simulator gone (stopped, restarted, replaced by something else), so
 * that its token can never work again? Undefined when it cannot be told (then keep it).
 */
export async function simulatorGone(
  account: Pick<Account, "id" | "baseUrl">,
  options: ProbeOptions = {},
): Promise<string | undefined> {
  const probe = await probeSimulator(account.baseUrl, options);
  switch (probe.kind) {
    case "unreachable":
      return `its simulator at ${account.baseUrl} is not running`;
    case "simulator":
      return probe.accounts.has(account.id)
        ? undefined
        : `the simulator at ${account.baseUrl} was restarted and no longer knows it`;
    // Something else answers there now: not proof enough to forget an account and its chats.
    case "not-simulator":
    case "unknown":
      return undefined;
  }
}
