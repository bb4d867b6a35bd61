/**
 * Simulator configuration: the realism switches of `POST /sim/config`. Every rule applies only
 * while `realism` is on; with it off the simulator is a fast, well-behaved server.
 */

export interface ThrottleConfig {
  /** sends allowed to one user inside `window_ms`; 0 disables the throttle */
  max_sends: number;
  window_ms: number;
  /** after a throttled send, further sends to that user fail this long; a retry while penalised extends it */
  penalty_ms: number;
}

export interface SimConfig {
  /** master switch of every rule below */
  realism: boolean;
  /** PRNG seed: ids, tokens, keys and realism dice repeat for a seed and call sequence */
  seed: number;
  /** sendmessage calls allowed per context token (§8.2.1); 0 = unlimited */
  send_quota: number;
  throttle: ThrottleConfig;
  /** text longer than this (characters) → ret -2 "prepare failed"; 0 = no limit */
  text_limit: number;
  /** a context token older than this → ret -2; 0 = never stale */
  context_token_lifetime_ms: number;
  /** chance (0..1) that a delivered message is delivered again a few seconds later */
  redelivery_rate: number;
  /** [min, max] delay of such a redelivery */
  redelivery_delay_ms: [number, number];
  /** a WeChat user confirming a QR for a second bot makes the first bot's token stale (-14) */
  kick_on_rebind: boolean;
  /** returned as `longpolling_timeout_ms`; getupdates holds a little less than this */
  longpolling_timeout_ms: number;
  /** how long get_qrcode_status holds when nothing changes */
  qr_hold_ms: number;
  /** a QR code not confirmed within this time turns `expired` */
  qr_lifetime_ms: number;
  /** wrong pairing codes allowed before `verify_code_blocked` */
  verify_code_attempts: number;
}

export function defaultConfig(seed: number, realism: boolean, longPollTimeoutMs: number): SimConfig {
  return {
    realism,
    seed,
    send_quota: 10,
    throttle: { max_sends: 3, window_ms: 1_000, penalty_ms: 1_000 },
    text_limit: 4_000,
    context_token_lifetime_ms: 24 * 3_600_000,
    redelivery_rate: 0.02,
    redelivery_delay_ms: [2_000, 9_000],
    kick_on_rebind: true,
    longpolling_timeout_ms: longPollTimeoutMs,
    qr_hold_ms: Math.min(30_000, longPollTimeoutMs),
    qr_lifetime_ms: 300_000,
    verify_code_attempts: 3,
  };
}

/** Hold time of getupdates: answer a little before the hint so the client never aborts first (§19.15). */
export function updatesHoldMs(config: SimConfig): number {
  const lp = config.longpolling_timeout_ms;
  return Math.max(0, lp > 10_000 ? lp - 3_000 : Math.floor(lp * 0.8));
}

type Patch = { [K in keyof SimConfig]?: unknown };

/** Merges a `POST /sim/config` body into the config; returns the names of rejected fields. */
export function applyConfigPatch(config: SimConfig, patch: Patch): string[] {
  const bad: string[] = [];
  const num = (key: keyof SimConfig, min = 0): void => {
    const v = patch[key];
    if (v === undefined) return;
    if (typeof v === "number" && Number.isFinite(v) && v >= min)
      (config as unknown as Record<string, number>)[key] = v;
    else bad.push(key);
  };
  const bool = (key: "realism" | "kick_on_rebind"): void => {
    const v = patch[key];
    if (v === undefined) return;
    if (typeof v === "boolean") config[key] = v;
    else bad.push(key);
  };
  bool("realism");
  bool("kick_on_rebind");
  num("seed");
  num("send_quota");
  num("text_limit");
  num("context_token_lifetime_ms");
  num("longpolling_timeout_ms");
  num("qr_hold_ms");
  num("qr_lifetime_ms");
  num("verify_code_attempts", 1);
  if (patch.redelivery_rate !== undefined) {
    const v = patch.redelivery_rate;
    if (typeof v === "number" && v >= 0 && v <= 1) config.redelivery_rate = v;
    else bad.push("redelivery_rate");
  }
  if (patch.redelivery_delay_ms !== undefined) {
    const v = patch.redelivery_delay_ms;
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number" && x >= 0) && v[0] <= v[1])
      config.redelivery_delay_ms = [v[0], v[1]];
    else bad.push("redelivery_delay_ms");
  }
  if (patch.throttle !== undefined) {
    const v = patch.throttle;
    if (v === false) config.throttle = { ...config.throttle, max_sends: 0 };
    else if (v !== null && typeof v === "object") {
      const t = v as Record<string, unknown>;
      for (const k of ["max_sends", "window_ms", "penalty_ms"] as const) {
        const x = t[k];
        if (x === undefined) continue;
        if (typeof x === "number" && x >= 0) config.throttle[k] = x;
        else bad.push(`throttle.${k}`);
      }
    } else bad.push("throttle");
  }
  return bad;
}
