/**
 * `createSimulator()`: the simulated iLink server, CDN and control API as one Hono app, plus an
 * in-process `fetch` that clients (the SDK) can be given instead of the network.
 */
import { randomInt } from "node:crypto";
import { Hono } from "hono";
import { DEFAULT_LONG_POLL_TIMEOUT_MS } from "../ilink/wire.js";
import { createChatPage } from "./chat/index.js";
import { doorGuard, type Served, type SimDoors, servedHosts } from "./doors.js";
import { DROPPED_HEADER, faultMiddleware } from "./faults.js";
import { jsonBodyLimit, MAX_CONTROL_BODY_BYTES, MAX_JSON_BODY_BYTES } from "./http.js";
import { toJsonText } from "./json.js";
import { cdnRoutes } from "./routes-cdn.js";
import { controlRoutes } from "./routes-control.js";
import { ilinkRoutes } from "./routes-ilink.js";
import { createState, emit, type SimState, wake } from "./state.js";

export interface SimulatorOptions {
  /** the live service's behaviour of docs/protocol.md §8 (quota, throttle, redelivery, rebind kicks …); default true */
  realism?: boolean;
  /** PRNG seed; default random (read it back from `GET /sim/config`) */
  seed?: number;
  /** clock for timestamps, QR lifetime, context-token age and the throttle window; default Date.now */
  now?: () => number;
  /** written into `baseurl`, `upload_full_url` and `full_url`; default http://simulator.local */
  publicBaseUrl?: string;
  /** `longpolling_timeout_ms` returned by getupdates (holds a little less); default 35 000 */
  longPollTimeoutMs?: number;
  /** how long get_qrcode_status holds while nothing changes; default min(30 000, longPollTimeoutMs) */
  qrHoldMs?: number;
}

export type SimFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface Simulator {
  app: Hono;
  /** in-process fetch: any host, routed by path; aborts and dropped connections behave like the network */
  fetch: SimFetch;
  state: SimState;
  /**
   * From now on refuse a Host this socket does not serve (doors.ts); `startSimulator` calls it
   * once it listens. In-process (never called) any host works; cross-origin browser requests are
   * refused either way.
   */
  restrictHosts(doors: SimDoors): void;
  /** stops timers, releases held polls and ends event streams */
  close(): void;
}

export const DEFAULT_PUBLIC_BASE_URL = "http://simulator.local";

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const longPollTimeoutMs = options.longPollTimeoutMs ?? DEFAULT_LONG_POLL_TIMEOUT_MS;
  const state = createState({
    seed: options.seed ?? randomInt(0, 2 ** 31),
    realism: options.realism ?? true,
    now: options.now ?? Date.now,
    publicBaseUrl: options.publicBaseUrl ?? DEFAULT_PUBLIC_BASE_URL,
    longPollTimeoutMs,
  });
  if (options.qrHoldMs !== undefined) state.config.qr_hold_ms = options.qrHoldMs;

  let served: Served | undefined;
  const app = new Hono();
  // First: a refused request touches nothing, not even a fault rule.
  app.use(
    "*",
    doorGuard(() => served),
  );
  // Any local process may call the simulator (an agent's sandbox too): no body it reads is
  // unbounded, or one request could fill the memory of the process it runs in (`npm start`
  // runs the gateway beside it). CDN uploads are bounded by their session's size (routes-cdn.ts).
  app.use("/ilink/*", jsonBodyLimit(MAX_JSON_BODY_BYTES));
  app.use("/sim/*", jsonBodyLimit(MAX_CONTROL_BODY_BYTES));
  app.use("/ilink/*", faultMiddleware(state));
  app.use("/c2c/*", faultMiddleware(state));
  app.route("/", ilinkRoutes(state));
  app.route("/c2c", cdnRoutes(state));
  app.route("/sim", controlRoutes(state));
  app.route("/", createChatPage());
  // Whatever goes wrong inside, a client gets an answer it can parse, never a hung socket.
  app.onError((error, c) =>
    c.body(toJsonText({ ret: -1, errcode: -1, errmsg: `simulator error: ${error.message}` }), 500, {
      "content-type": "application/json",
    }),
  );

  const fetch: SimFetch = async (input, init) => {
    const request =
      typeof input === "string" && input.startsWith("/")
        ? new Request(`${state.publicBaseUrl}${input}`, init)
        : new Request(input, init);
    const response = await raceAbort(Promise.resolve(app.fetch(request)), request.signal);
    if (response.headers.get(DROPPED_HEADER))
      throw new TypeError("fetch failed", { cause: new Error("socket hang up") });
    return response;
  };

  const close = (): void => {
    if (state.closed) return;
    state.closed = true;
    for (const timer of state.timers) clearTimeout(timer);
    state.timers.clear();
    for (const account of state.accounts.values()) wake(account.waiters);
    for (const qr of state.qrs.values()) wake(qr.waiters);
    emit(state, "simulator.closed", {});
    state.listeners.clear();
  };

  const restrictHosts = (doors: SimDoors): void => {
    served = servedHosts(doors);
  };

  return { app, fetch, state, restrictHosts, close };
}

/** Rejects like fetch does when the caller aborts, even while the handler still holds a long poll. */
function raceAbort(promise: Promise<Response>, signal: AbortSignal): Promise<Response> {
  const reason = (): unknown => signal.reason ?? new DOMException("This operation was aborted", "AbortError");
  if (signal.aborted) return Promise.reject(reason());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(reason());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (r) => {
        signal.removeEventListener("abort", onAbort);
        resolve(r);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
