/**
 * Pairing: an unknown contact gets a short code, the operator approves it with
 * `wxagent pairing approve CODE`, and the contact is allowed from then on.
 *
 * State lives in the contact's `settings` JSON (no table of its own), beside other keys such as
 * `unlock`, which every write here keeps:
 *   access               "allowed" | "pending" | "blocked" (absent: unknown)
 *   pairingCode          the code last sent, while pending
 *   pairingExpiresAtMs   when that code stops being accepted
 *   pairingRequestedAtMs when the current round of codes started
 *   pairingCodesSent     codes sent in this round (a first code, then at most one reminder)
 *   accessChangedAtMs    when the operator last allowed or blocked the contact
 */
import { randomInt } from "node:crypto";
import type { AsyncStore } from "../../store/async.js";
import type { ContactRecord } from "../../store/types.js";
import { PolicyError } from "./errors.js";

export type ContactAccess = "allowed" | "pending" | "blocked";

/** Unambiguous: no 0/O, 1/I/L, so a code read aloud or retyped from a phone survives. */
export const PAIRING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const PAIRING_CODE_LENGTH = 6;
export const PAIRING_TTL_MS = 60 * 60_000;
/** A round is a first code plus at most one reminder; a new round may start this long after. */
export const PAIRING_ROUND_MS = 24 * 60 * 60_000;
export const PAIRING_CODES_PER_ROUND = 2;

export interface AccessState {
  access?: ContactAccess;
  pairingCode?: string;
  pairingExpiresAtMs?: number;
  pairingRequestedAtMs?: number;
  pairingCodesSent?: number;
}

const PAIRING_KEYS = [
  "access",
  "pairingCode",
  "pairingExpiresAtMs",
  "pairingRequestedAtMs",
  "pairingCodesSent",
  "accessChangedAtMs",
] as const;

/** The access fields of a contact's settings; anything malformed reads as absent. */
export function readAccess(settings: Record<string, unknown>): AccessState {
  const s: AccessState = {};
  const a = settings.access;
  if (a === "allowed" || a === "pending" || a === "blocked") s.access = a;
  if (typeof settings.pairingCode === "string") s.pairingCode = settings.pairingCode;
  if (typeof settings.pairingExpiresAtMs === "number") s.pairingExpiresAtMs = settings.pairingExpiresAtMs;
  if (typeof settings.pairingRequestedAtMs === "number") {
    s.pairingRequestedAtMs = settings.pairingRequestedAtMs;
  }
  if (typeof settings.pairingCodesSent === "number") s.pairingCodesSent = settings.pairingCodesSent;
  return s;
}

/** `settings` with every access key replaced by those of `next` (other keys untouched). */
export function withAccess(
  settings: Record<string, unknown>,
  next: AccessState & { accessChangedAtMs?: number },
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...settings };
  for (const k of PAIRING_KEYS) delete out[k];
  for (const [k, v] of Object.entries(next)) if (v !== undefined) out[k] = v;
  return out;
}

/** What to do about a message from a contact who is not (yet) allowed, under `pairing`. */
export type PairingStep =
  | { step: "send-code"; kind: "first" | "reminder" }
  | { step: "wait"; why: "code-valid" | "codes-used" };

/**
 * One code, then silence while it is valid; after it expires one reminder with a fresh code;
 * after that silence until `PAIRING_ROUND_MS` has passed since the first code of the round.
 */
export function nextPairingStep(state: AccessState, nowMs: number): PairingStep {
  if (state.access !== "pending" || state.pairingExpiresAtMs === undefined) {
    return { step: "send-code", kind: "first" };
  }
  if (nowMs < state.pairingExpiresAtMs) return { step: "wait", why: "code-valid" };
  if ((state.pairingCodesSent ?? 1) < PAIRING_CODES_PER_ROUND) return { step: "send-code", kind: "reminder" };
  const roundStart = state.pairingRequestedAtMs ?? state.pairingExpiresAtMs;
  if (nowMs >= roundStart + PAIRING_ROUND_MS) return { step: "send-code", kind: "first" };
  return { step: "wait", why: "codes-used" };
}

export function generatePairingCode(random: (max: number) => number = randomInt): string {
  let code = "";
  for (let i = 0; i < PAIRING_CODE_LENGTH; i += 1) code += PAIRING_ALPHABET[random(PAIRING_ALPHABET.length)];
  return code;
}

/** Upper-case and trim what the operator typed; throws PAIRING_CODE_INVALID when it cannot be a code. */
export function normalizePairingCode(input: string): string {
  const code = input.trim().toUpperCase();
  const ok = code.length === PAIRING_CODE_LENGTH && [...code].every((c) => PAIRING_ALPHABET.includes(c));
  if (!ok) {
    throw new PolicyError(
      "PAIRING_CODE_INVALID",
      `"${input.trim().slice(0, 20)}" is not a pairing code: codes are ${PAIRING_CODE_LENGTH} characters ` +
        `from ${PAIRING_ALPHABET}; run \`wxagent pairing list\` to see the waiting ones`,
    );
  }
  return code;
}

type ContactsOnly = Pick<AsyncStore, "contacts" | "transaction">;

/** A contact waiting for the operator. */
export interface PairingRequest {
  accountId: string;
  userId: string;
  name?: string;
  code: string;
  requestedAtMs: number;
  expiresAtMs: number;
  /** The code expired: approving it fails until the contact writes again and gets a fresh one. */
  expired: boolean;
}

function toRequest(c: ContactRecord, nowMs: number): PairingRequest | undefined {
  const s = readAccess(c.settings);
  if (s.access !== "pending" || s.pairingCode === undefined || s.pairingExpiresAtMs === undefined) {
    return undefined;
  }
  const r: PairingRequest = {
    accountId: c.accountId,
    userId: c.userId,
    code: s.pairingCode,
    requestedAtMs: s.pairingRequestedAtMs ?? s.pairingExpiresAtMs,
    expiresAtMs: s.pairingExpiresAtMs,
    expired: nowMs >= s.pairingExpiresAtMs,
  };
  if (c.name !== undefined) r.name = c.name;
  return r;
}

/** The waiting ones among `contacts` (expired codes included, flagged), oldest request first. */
export function pairingRequestsIn(contacts: readonly ContactRecord[], nowMs: number): PairingRequest[] {
  return contacts
    .map((c) => toRequest(c, nowMs))
    .filter((r): r is PairingRequest => r !== undefined)
    .sort((a, b) => a.requestedAtMs - b.requestedAtMs);
}

/** Contacts waiting for approval (expired codes included, flagged), oldest request first. */
export async function listPairingRequests(
  store: Pick<AsyncStore, "contacts">,
  accountId?: string,
  nowMs: number = Date.now(),
): Promise<PairingRequest[]> {
  return pairingRequestsIn(await store.contacts.list(accountId), nowMs);
}

export interface PairingDecisionOptions {
  /** Needed only when two accounts hold the same pending code. */
  accountId?: string;
  nowMs?: number;
}

async function findRequest(
  store: ContactsOnly,
  input: string,
  options: PairingDecisionOptions,
): Promise<PairingRequest> {
  const code = normalizePairingCode(input);
  const nowMs = options.nowMs ?? Date.now();
  const matches = (await listPairingRequests(store, options.accountId, nowMs)).filter((r) => r.code === code);
  const [first, second] = matches;
  if (!first) {
    throw new PolicyError(
      "PAIRING_CODE_UNKNOWN",
      `no contact is waiting with pairing code ${code}${options.accountId ? ` on account ${options.accountId}` : ""}; ` +
        "run `wxagent pairing list` to see the waiting ones",
    );
  }
  if (second) {
    throw new PolicyError(
      "PAIRING_CODE_AMBIGUOUS",
      `pairing code ${code} is waiting on accounts ${first.accountId} and ${second.accountId}; ` +
        "name the account with --account",
    );
  }
  return first;
}

/** Approve a waiting contact by its code: it may write from now on. Returns who was approved. */
export async function approvePairing(
  store: ContactsOnly,
  code: string,
  options: PairingDecisionOptions = {},
): Promise<PairingRequest> {
  const nowMs = options.nowMs ?? Date.now();
  const request = await findRequest(store, code, { ...options, nowMs });
  if (request.expired) {
    throw new PolicyError(
      "PAIRING_CODE_EXPIRED",
      `pairing code ${request.code} from ${request.userId} expired; they get a fresh code when they write ` +
        `again, or allow them directly by user id (account ${request.accountId})`,
    );
  }
  await setContactAccess(store, request.accountId, request.userId, "allowed", nowMs);
  return request;
}

/**
 * Refuse a waiting contact: it is blocked (no more codes, every message refused silently) until
 * the operator allows it. Expired codes may be denied too.
 */
export async function denyPairing(
  store: ContactsOnly,
  code: string,
  options: PairingDecisionOptions = {},
): Promise<PairingRequest> {
  const nowMs = options.nowMs ?? Date.now();
  const request = await findRequest(store, code, { ...options, nowMs });
  await setContactAccess(store, request.accountId, request.userId, "blocked", nowMs);
  return request;
}

/**
 * The operator's direct switch (admin UI, CLI): `allowed`, `blocked`, or `none` (forget: the
 * contact is unknown again and gets a code under `pairing`). Creates the contact if needed.
 */
export async function setContactAccess(
  store: ContactsOnly,
  accountId: string,
  userId: string,
  access: "allowed" | "blocked" | "none",
  nowMs: number = Date.now(),
): Promise<void> {
  // Only the access keys: the other keys of `settings` are kept as they are at the write.
  const next = access === "none" ? {} : { access, accessChangedAtMs: nowMs };
  await store.contacts.updateSettings(accountId, userId, (settings) => withAccess(settings, next));
}

/** The access state of one contact (unknown contacts read as `{}`). */
export async function contactAccess(
  store: Pick<AsyncStore, "contacts">,
  accountId: string,
  userId: string,
): Promise<AccessState> {
  return readAccess((await store.contacts.get(accountId, userId))?.settings ?? {});
}

/**
 * Record a fresh code for a contact (used by the access policy). `kind: "first"` starts a new
 * round. The code is unique among all pending codes, so `approve CODE` needs no account: the codes
 * taken are read in the transaction that records the new one.
 */
export async function issuePairingCode(
  store: ContactsOnly,
  accountId: string,
  userId: string,
  kind: "first" | "reminder",
  nowMs: number,
  ttlMs: number = PAIRING_TTL_MS,
  random?: (max: number) => number,
): Promise<PairingRequest> {
  return store.transaction(async (tx) => {
    const taken = new Set((await listPairingRequests(tx, undefined, nowMs)).map((r) => r.code));
    let code = generatePairingCode(random);
    for (let i = 0; taken.has(code) && i < 20; i += 1) code = generatePairingCode(random);
    const first = kind === "first";
    // Computed from the settings as the write finds them (under the row's lock on PostgreSQL).
    let state: AccessState = {};
    await tx.contacts.updateSettings(accountId, userId, (settings) => {
      const prev = readAccess(settings);
      state = {
        access: "pending",
        pairingCode: code,
        pairingExpiresAtMs: nowMs + ttlMs,
        pairingRequestedAtMs: first ? nowMs : (prev.pairingRequestedAtMs ?? nowMs),
        pairingCodesSent: first ? 1 : (prev.pairingCodesSent ?? 1) + 1,
      };
      return withAccess(settings, state);
    });
    const contact = await tx.contacts.get(accountId, userId);
    const r: PairingRequest = {
      accountId,
      userId,
      code,
      requestedAtMs: state.pairingRequestedAtMs ?? nowMs,
      expiresAtMs: nowMs + ttlMs,
      expired: false,
    };
    if (contact?.name !== undefined) r.name = contact.name;
    return r;
  });
}

/** Pending requests on one account whose code is still valid (bounded to stop a code flood). */
export async function openPairingCount(
  store: Pick<AsyncStore, "contacts">,
  accountId: string,
  nowMs: number,
): Promise<number> {
  return (await listPairingRequests(store, accountId, nowMs)).filter((r) => !r.expired).length;
}

/**
 * Make room under the cap of open pairing requests: the oldest still-valid request is withdrawn
 * (its code expires now, and the code does not count against the contact's round, so they get a
 * fresh one when they write again). A flood of new ids thus pushes out the flood's own oldest
 * requests, never silences a newcomer. Returns the withdrawn request.
 */
export async function evictOldestPairing(
  store: ContactsOnly,
  accountId: string,
  nowMs: number,
): Promise<PairingRequest | undefined> {
  return store.transaction(async (tx) => {
    const oldest = (await listPairingRequests(tx, accountId, nowMs)).find((r) => !r.expired);
    if (!oldest) return undefined;
    await tx.contacts.updateSettings(accountId, oldest.userId, (settings) => {
      const prev = readAccess(settings);
      return withAccess(settings, {
        ...prev,
        pairingExpiresAtMs: nowMs,
        pairingCodesSent: Math.max(0, (prev.pairingCodesSent ?? 1) - 1),
      });
    });
    return oldest;
  });
}
