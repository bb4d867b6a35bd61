/**
 * `/unlock <passphrase>`: a contact id is a transport identifier, not a credential, so when the
 * config asks for it a non-owner must prove knowledge of a passphrase before getting more than
 * read-only, for a limited time. The state is tiny and the gateway persists it (ContactStore.settings).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { PermissionsConfig } from "./presets.js";
import type { Contact } from "./types.js";

export interface UnlockState {
  unlockedUntilMs?: number;
  failures?: number;
  lockedOutUntilMs?: number;
}

/** Where unlock state lives; the gateway backs it with ContactStore.settings.unlock. */
export interface UnlockStateStore {
  get(contact: Contact): UnlockState | undefined;
  set(contact: Contact, state: UnlockState): void;
}

/** The subset of ContactStore this adapter needs (kept structural so agent/ stays small). */
export interface ContactSettingsAccess {
  get(accountId: string, userId: string): { settings: Record<string, unknown> } | undefined;
  update(accountId: string, userId: string, patch: { settings: Record<string, unknown> }): void;
}

/** Unlock state kept under `settings.unlock` of the contact's record. */
export function unlockStoreFromContacts(contacts: ContactSettingsAccess): UnlockStateStore {
  return {
    get(contact) {
      const raw = contacts.get(contact.accountId, contact.userId)?.settings.unlock;
      return isUnlockState(raw) ? raw : undefined;
    },
    set(contact, state) {
      const settings = contacts.get(contact.accountId, contact.userId)?.settings ?? {};
      contacts.update(contact.accountId, contact.userId, { settings: { ...settings, unlock: state } });
    },
  };
}

/** An in-memory store (tests, or a gateway without persistence). */
export function memoryUnlockStore(): UnlockStateStore {
  const map = new Map<string, UnlockState>();
  const key = (c: Contact) => `${c.accountId}\u0000${c.userId}`;
  return {
    get: (c) => map.get(key(c)),
    set: (c, s) => void map.set(key(c), s),
  };
}

export interface UnlockResult {
  ok: boolean;
  /** What to tell the contact, in plain words (never contains the passphrase). */
  message: string;
  unlockedUntilMs?: number;
}

export interface UnlockOptions {
  nowMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** The configured passphrase (config value, else the named environment variable). */
export function unlockPassphrase(config: PermissionsConfig, env: NodeJS.ProcessEnv = process.env) {
  const u = config.unlock;
  if (!u) return undefined;
  if (u.passphrase) return u.passphrase;
  const fromEnv = u.passphraseEnv ? env[u.passphraseEnv] : undefined;
  return fromEnv || undefined;
}

/**
 * Handle `/unlock [passphrase]` (empty arg: report the state) and `/lock` (arg `"lock"` is not
 * special: call `handleLock`). Failed attempts are counted; after `maxFailures` the contact is
 * locked out for `lockoutMs`, so the passphrase cannot be guessed at chat speed.
 */
export function handleUnlock(
  contact: Contact,
  arg: string,
  store: UnlockStateStore,
  config: PermissionsConfig,
  options: UnlockOptions = {},
): UnlockResult {
  const now = options.nowMs ?? Date.now();
  const u = config.unlock;
  if (contact.isOwner) return { ok: true, message: "You are the owner: nothing to unlock." };
  if (!u) return { ok: false, message: "Unlocking is not enabled for this bot." };
  const secret = unlockPassphrase(config, options.env);
  if (!secret) {
    return { ok: false, message: "Unlocking is enabled but no passphrase is configured; ask the owner." };
  }
  const state = store.get(contact) ?? {};
  if (state.lockedOutUntilMs !== undefined && state.lockedOutUntilMs > now) {
    return {
      ok: false,
      message: `Too many wrong passphrases; try again in ${minutes(state.lockedOutUntilMs - now)}.`,
    };
  }
  const given = arg.trim();
  if (!given) {
    if (state.unlockedUntilMs !== undefined && state.unlockedUntilMs > now) {
      return {
        ok: true,
        message: `Unlocked for ${minutes(state.unlockedUntilMs - now)} more.`,
        unlockedUntilMs: state.unlockedUntilMs,
      };
    }
    return { ok: false, message: "Locked. Send /unlock <passphrase> to unlock." };
  }
  if (!sameSecret(given, secret)) {
    const failures = (state.failures ?? 0) + 1;
    const next: UnlockState = { ...state, failures };
    if (failures >= u.maxFailures) {
      next.failures = 0;
      next.lockedOutUntilMs = now + u.lockoutMs;
    }
    store.set(contact, next);
    return { ok: false, message: "Wrong passphrase." };
  }
  const unlockedUntilMs = now + u.durationMs;
  store.set(contact, { unlockedUntilMs, failures: 0 });
  return { ok: true, message: `Unlocked for ${minutes(u.durationMs)}.`, unlockedUntilMs };
}

/** `/lock`: end an unlock early. */
export function handleLock(contact: Contact, store: UnlockStateStore): UnlockResult {
  const state = store.get(contact) ?? {};
  store.set(contact, { ...state, unlockedUntilMs: undefined });
  return { ok: true, message: "Locked." };
}

/**
 * `/unlock` and `/lock` as the gateway's command hook (`DispatchOptions.unlock`): the reply texts
 * only, which never contain the passphrase.
 */
export function unlockCommands(
  store: UnlockStateStore,
  config: PermissionsConfig,
  options: { now?: () => number; env?: NodeJS.ProcessEnv } = {},
): { unlock(contact: Contact, arg: string): string; lock(contact: Contact): string } {
  const opts = (): UnlockOptions => ({
    ...(options.now ? { nowMs: options.now() } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  return {
    unlock: (contact, arg) => handleUnlock(contact, arg, store, config, opts()).message,
    lock: (contact) => handleLock(contact, store).message,
  };
}

/** Compare without leaking length or content through timing. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

function minutes(ms: number): string {
  const m = Math.max(1, Math.ceil(ms / 60_000));
  return m === 1 ? "1 minute" : `${m} minutes`;
}

function isUnlockState(v: unknown): v is UnlockState {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return ["unlockedUntilMs", "failures", "lockedOutUntilMs"].every(
    (k) => o[k] === undefined || typeof o[k] === "number",
  );
}
