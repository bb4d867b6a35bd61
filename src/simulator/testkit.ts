/**
 * Helpers for tests that drive the simulator the way an iLink client does (headers of the
 * official 2.4.9 client, JSON bodies, lossless id parsing). No test framework inside, so the
 * SDK's and the gateway's tests can use it too.
 */
import type { Simulator } from "./app.js";
import { parseJsonLossless } from "./json.js";
import { waitForState } from "./wait.js";

export type Json = Record<string, unknown>;

export function botHeaders(token: string): Record<string, string> {
  return {
    "Content-Type": "application/json",
    AuthorizationType: "ilink_bot_token",
    Authorization: `Bearer ${token}`,
    "X-WECHAT-UIN": "MTIzNDU2Nzg5",
    "iLink-App-Id": "bot",
    "iLink-App-ClientVersion": "132105",
  };
}

export interface ApiAnswer {
  status: number;
  text: string;
  /** parsed with uint64 ids as strings */
  body: Json;
}

async function answer(res: Response): Promise<ApiAnswer> {
  const text = await res.text();
  let body: Json = {};
  try {
    body = parseJsonLossless(text) as Json;
  } catch {
    // leave body empty: the test looks at text/status
  }
  return { status: res.status, text, body };
}

/** POSTs a bot API call (`ilink/bot/...`) with a bearer token; `body` may be raw text. */
export async function callApi(
  sim: Simulator,
  endpoint: string,
  token: string,
  body: unknown,
  init: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<ApiAnswer> {
  const res = await sim.app.request(`/${endpoint}`, {
    method: "POST",
    headers: { ...botHeaders(token), ...init.headers },
    body:
      typeof body === "string"
        ? body
        : JSON.stringify({ ...(body as Json), base_info: { channel_version: "2.4.9" } }),
    signal: init.signal,
  });
  return answer(res);
}

/** Calls the control API; returns the HTTP status and the JSON body. */
export async function control(
  sim: Simulator,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const res = await sim.app.request(`/sim${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

export interface TestBot {
  account_id: string;
  token: string;
  owner_user_id: string;
}

export async function newBot(sim: Simulator): Promise<TestBot> {
  return (await control(sim, "POST", "/accounts", { name: "test" })).body as unknown as TestBot;
}

/** A user writes text to the bot; returns the message id and its context token. */
export async function userWrites(
  sim: Simulator,
  bot: TestBot,
  from: string,
  text: string,
): Promise<{ message_id: string; context_token: string }> {
  const res = await control(sim, "POST", "/messages", { account_id: bot.account_id, from, text });
  return res.body as { message_id: string; context_token: string };
}

export function getUpdates(
  sim: Simulator,
  bot: TestBot,
  cursor = "",
  signal?: AbortSignal,
): Promise<ApiAnswer> {
  return callApi(sim, "ilink/bot/getupdates", bot.token, { get_updates_buf: cursor }, { signal });
}

let clientSeq = 0;

/** A text reply as the official client sends it (§7.1). */
export function sendText(
  sim: Simulator,
  bot: TestBot,
  to: string,
  text: string,
  contextToken: string | undefined,
  clientId = `openclaw-weixin:${Date.now()}-${(++clientSeq).toString(16).padStart(8, "0")}`,
): Promise<ApiAnswer> {
  return callApi(sim, "ilink/bot/sendmessage", bot.token, {
    msg: {
      from_user_id: "",
      to_user_id: to,
      client_id: clientId,
      message_type: 2,
      message_state: 2,
      item_list: [{ type: 1, text_item: { text } }],
      context_token: contextToken,
    },
  });
}

/** `waitForState` (wait.ts) with a positional timeout, as the project's tests call it. */
export function waitFor<T>(
  sim: Simulator,
  what: string,
  probe: () => T | Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  return waitForState(sim.state, what, probe, check, { timeoutMs });
}
