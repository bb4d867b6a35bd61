/**
 * `/unlock <passphrase>`: a contact id is a transport identifier, not a credential, so when the
 * config asks for it a non-owner must prove knowledge of a passphrase before getting more than
 * read-only, for a limited time. The state is tiny and the gateway persists it (ContactStore.settings).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { sequentialize } from "../shared/sequentialize.js";
import type { PermissionsConfig } from "./presets.js";
import { type AgentWords, wordsOf } from "./texts.js";
import type { Contact } from "./types.js";

export interface UnlockState {
  unlockedUntilMs?: number;
  failures?: number;
  lockedOutUntilMs?: number;
}

/** Where unlock state lives; the gateway backs it with ContactStore.settings.unlock. */
export interface UnlockStateStore {
  get(contact: Contact): Promise<UnlockState | undefined>;
  set(contact: Contact, state: UnlockState): Promise<void>;
}

/**
 * The subset of the store's async contact table (`AsyncStore["contacts"]`) this adapter needs,
 * kept structural so agent/ stays small.
 */
export interface ContactSettingsAccess {
  get(accountId: string, userId: string): Promise<{ settings: Record<string, unknown> } | undefined>;
  updateSettings(
    accountId: string,
    userId: string,
    change: (settings: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<unknown>;
}

/** Unlock state kept under `settings.unlock` of the contact's record. */
export function unlockStoreFromContacts(contacts: ContactSettingsAccess): UnlockStateStore {
  return {
    async get(contact) {
      const raw = (await contacts.get(contact.accountId, contact.userId))?.settings.unlock;
      return isUnlockState(raw) ? raw : undefined;
    },
    async set(contact, state) {
      // Only the `unlock` key: a pairing or window-warning write beside it keeps its own keys.
      await contacts.updateSettings(contact.accountId, contact.userId, (s) => ({ ...s, unlock: state }));
    },
  };
}

/** An in-memory store (tests, or a gateway without persistence). */
export function memoryUnlockStore(): UnlockStateStore {
  const map = new Map<string, UnlockState>();
  const key = (c: Contact) => `${c.accountId}\u0000${c.userId}`;
  return {
    get: (c) => Promise.resolve(map.get(key(c))),
    set: (c, s) => {
      map.set(key(c), s);
      return Promise.resolve();
    },
  };
}

export interface UnlockResult {
  ok: boolean;
  /** What to tell the contact, in plain words (never contains the passphrase). */
  message: string;
  unlockedUntilMs?: number;
  /** Set when the owner should hear of it (a lockout began); never contains the passphrase. */
  ownerNotice?: string;
}

/**
 * Wrong passphrases across every contact of an account, in memory: past `accountMaxFailures`
 * within `lockoutMs`, `/unlock` is paused on the account for `lockoutMs`. Guessing from many
 * contact ids is bounded the same way guessing from one is. A restart forgets it (the per-contact
 * counts are kept in the store).
 */
export class AccountUnlockGuard {
  readonly #failures = new Map<string, number[]>();
  readonly #pausedUntil = new Map<string, number>();

  pausedUntil(accountId: string, nowMs: number): number | undefined {
    const until = this.#pausedUntil.get(accountId);
    return until !== undefined && until > nowMs ? until : undefined;
  }

  /** Count one failure; true when it starts a pause. */
  fail(accountId: string, nowMs: number, max: number, windowMs: number): boolean {
    const list = (this.#failures.get(accountId) ?? []).filter((t) => t > nowMs - windowMs);
    list.push(nowMs);
    this.#failures.set(accountId, list);
    if (list.length < max) return false;
    this.#failures.delete(accountId);
    this.#pausedUntil.set(accountId, nowMs + windowMs);
    return true;
  }
}

export interface UnlockOptions {
  nowMs?: number;
  env?: NodeJS.ProcessEnv;
  /** The account-wide failure limit; without it only the per-contact limit applies. */
  accountGuard?: AccountUnlockGuard;
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
export async function handleUnlock(
  contact: Contact,
  arg: string,
  store: UnlockStateStore,
  config: PermissionsConfig,
  options: UnlockOptions = {},
): Promise<UnlockResult> {
  const now = options.nowMs ?? Date.now();
  const u = config.unlock;
  const w = wordsOf(contact);
  const minutes = (ms: number) => minutesIn(w, ms);
  if (contact.isOwner) return { ok: true, message: w.unlockOwner };
  if (!u) return { ok: false, message: w.unlockDisabled };
  const secret = unlockPassphrase(config, options.env);
  if (!secret) return { ok: false, message: w.unlockNoPassphrase };
  const state = (await store.get(contact)) ?? {};
  const paused = options.accountGuard?.pausedUntil(contact.accountId, now);
  if (paused !== undefined && arg.trim()) {
    return { ok: false, message: w.unlockPaused({ wait: minutes(paused - now) }) };
  }
  if (state.lockedOutUntilMs !== undefined && state.lockedOutUntilMs > now) {
    return { ok: false, message: w.unlockLockedOut({ wait: minutes(state.lockedOutUntilMs - now) }) };
  }
  const given = arg.trim();
  if (!given) {
    if (state.unlockedUntilMs !== undefined && state.unlockedUntilMs > now) {
      return {
        ok: true,
        message: w.unlockRemaining({ left: minutes(state.unlockedUntilMs - now) }),
        unlockedUntilMs: state.unlockedUntilMs,
      };
    }
    return { ok: false, message: w.unlockLocked };
  }
  if (!sameSecret(given, secret)) {
    const failures = (state.failures ?? 0) + 1;
    const next: UnlockState = { ...state, failures };
    const notices: string[] = [];
    if (failures >= u.maxFailures) {
      next.failures = 0;
      next.lockedOutUntilMs = now + u.lockoutMs;
      notices.push(
        w.unlockOwnerLockout({ max: u.maxFailures, user: contact.userId, duration: minutes(u.lockoutMs) }),
      );
    }
    await store.set(contact, next);
    const max = u.accountMaxFailures ?? 20;
    if (options.accountGuard?.fail(contact.accountId, now, max, u.lockoutMs)) {
      notices.push(w.unlockOwnerPaused({ max, user: contact.userId, duration: minutes(u.lockoutMs) }));
    }
    const result: UnlockResult = { ok: false, message: w.unlockWrong };
    if (notices.length > 0) result.ownerNotice = notices.join("\n");
    return result;
  }
  const unlockedUntilMs = now + u.durationMs;
  await store.set(contact, { unlockedUntilMs, failures: 0 });
  return { ok: true, message: w.unlockDone({ duration: minutes(u.durationMs) }), unlockedUntilMs };
}

/** `/lock`: end an unlock early. */
export async function handleLock(contact: Contact, store: UnlockStateStore): Promise<UnlockResult> {
  const state = (await store.get(contact)) ?? {};
  await store.set(contact, { ...state, unlockedUntilMs: undefined });
  return { ok: true, message: wordsOf(contact).lockDone };
}

/**
 * `/unlock` and `/lock` as the gateway's command hook (`DispatchOptions.unlock`): the reply texts
 * and what to tell the owner, which never contain the passphrase. One account-wide failure limit
 * per hook (per gateway process). One contact's commands run one after another: each reads the
 * state and writes it back, so two wrong passphrases sent at once count as two failures.
 */
export function unlockCommands(
  store: UnlockStateStore,
  config: PermissionsConfig,
  options: { now?: () => number; env?: NodeJS.ProcessEnv } = {},
): {
  unlock(contact: Contact, arg: string): Promise<{ reply: string; ownerNotice?: string }>;
  lock(contact: Contact): Promise<string>;
} {
  const accountGuard = new AccountUnlockGuard();
  const perContact = sequentialize((c: Contact) => `${c.accountId}\u0000${c.userId}`);
  const opts = (): UnlockOptions => ({
    ...(options.now ? { nowMs: options.now() } : {}),
    ...(options.env ? { env: options.env } : {}),
    accountGuard,
  });
  return {
    unlock: (contact, arg) =>
      perContact.run(contact, async () => {
        const r = await handleUnlock(contact, arg, store, config, opts());
        return r.ownerNotice ? { reply: r.message, ownerNotice: r.ownerNotice } : { reply: r.message };
      }),
    lock: (contact) => perContact.run(contact, async () => (await handleLock(contact, store)).message),
  };
}

/** Compare without leaking length or content through timing. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

function minutesIn(w: AgentWords, ms: number): string {
  return w.minutes({ n: Math.max(1, Math.ceil(ms / 60_000)) });
}

function isUnlockState(v: unknown): v is UnlockState {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return ["unlockedUntilMs", "failures", "lockedOutUntilMs"].every(
    (k) => o[k] === undefined || typeof o[k] === "number",
  );
}
