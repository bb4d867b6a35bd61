/**
 * Accounts (with their bot token: this table is the credential store, which is why the database
 * file is mode 0600) and the contacts seen on each account.
 */
import { StoreError } from "./errors.js";
import { type Db, optNum, optStr, parseJson, type Row } from "./sqlite-db.js";
import type { Account, AccountState, AccountStore, ContactRecord, ContactStore } from "./types.js";

/** A row of `accounts` (either store: SQLite keeps `simulated` as 0/1, PostgreSQL as a boolean). */
export function toAccount(r: Row): Account {
  return {
    id: String(r.id),
    baseUrl: String(r.base_url),
    cdnBaseUrl: String(r.cdn_base_url),
    token: String(r.token),
    ownerUserId: optStr(r.owner_user_id),
    name: optStr(r.name),
    state: String(r.state) as AccountState,
    stateReason: optStr(r.state_reason),
    createdAtMs: Number(r.created_at_ms),
    updatedAtMs: Number(r.updated_at_ms),
    lastInboundAtMs: optNum(r.last_inbound_at_ms),
    lastPollAtMs: optNum(r.last_poll_at_ms),
    pollFailures: Number(r.poll_failures ?? 0),
    lastPollError: optStr(r.last_poll_error),
    lastPollErrorAtMs: optNum(r.last_poll_error_at_ms),
    ...(r.simulated === true || Number(r.simulated) === 1 ? { simulated: true } : {}),
  };
}

export function toContact(r: Row): ContactRecord {
  return {
    accountId: String(r.account_id),
    userId: String(r.user_id),
    name: optStr(r.name),
    preset: optStr(r.preset),
    settings: parseJson<Record<string, unknown>>(r.settings, {}),
    firstSeenAtMs: Number(r.first_seen_at_ms),
    lastSeenAtMs: Number(r.last_seen_at_ms),
  };
}

export function createAccountStore(d: Db): AccountStore {
  const get = (id: string): Account | undefined => {
    const row = d.stmt("SELECT * FROM accounts WHERE id = ?").get(id) as Row | undefined;
    return row ? toAccount(row) : undefined;
  };
  const notFound = (id: string) =>
    new StoreError("NOT_FOUND", `account ${id} does not exist; list accounts with \`wxagent accounts\``);

  // Removing an account drops its credentials and live state (cursor, context tokens, agent
  // sessions). Message history and contacts stay, for audit.
  const remove = d.db.transaction((id: string): boolean => {
    const res = d.stmt("DELETE FROM accounts WHERE id = ?").run(id);
    d.stmt("DELETE FROM cursors WHERE account_id = ?").run(id);
    d.stmt("DELETE FROM context_tokens WHERE account_id = ?").run(id);
    d.stmt("DELETE FROM sessions WHERE account_id = ?").run(id);
    return res.changes > 0;
  });
  const purge = d.db.transaction((id: string): boolean => {
    const removed = remove(id);
    d.stmt("DELETE FROM outbound WHERE account_id = ?").run(id);
    d.stmt("DELETE FROM inbound WHERE account_id = ?").run(id);
    d.stmt("DELETE FROM contacts WHERE account_id = ?").run(id);
    return removed;
  });

  return {
    upsert(a) {
      const now = d.now();
      // created_at_ms keeps its first value on update; everything else is replaced.
      d.stmt(
        `INSERT INTO accounts (id, base_url, cdn_base_url, token, owner_user_id, name, state, state_reason,
                               created_at_ms, updated_at_ms, last_inbound_at_ms, last_poll_at_ms, simulated)
         VALUES (@id, @baseUrl, @cdnBaseUrl, @token, @ownerUserId, @name, @state, @stateReason,
                 @createdAtMs, @now, @lastInboundAtMs, @lastPollAtMs, @simulated)
         ON CONFLICT (id) DO UPDATE SET
           base_url = excluded.base_url, cdn_base_url = excluded.cdn_base_url, token = excluded.token,
           owner_user_id = excluded.owner_user_id, name = excluded.name, state = excluded.state,
           state_reason = excluded.state_reason, updated_at_ms = excluded.updated_at_ms,
           simulated = excluded.simulated,
           last_inbound_at_ms = COALESCE(excluded.last_inbound_at_ms, accounts.last_inbound_at_ms),
           last_poll_at_ms = COALESCE(excluded.last_poll_at_ms, accounts.last_poll_at_ms),
           poll_failures = 0, last_poll_error = NULL, last_poll_error_at_ms = NULL`,
      ).run({
        id: a.id,
        baseUrl: a.baseUrl,
        cdnBaseUrl: a.cdnBaseUrl,
        token: a.token,
        ownerUserId: a.ownerUserId ?? null,
        name: a.name ?? null,
        state: a.state,
        stateReason: a.stateReason ?? null,
        createdAtMs: a.createdAtMs ?? now,
        now,
        lastInboundAtMs: a.lastInboundAtMs ?? null,
        lastPollAtMs: a.lastPollAtMs ?? null,
        simulated: a.simulated ? 1 : 0,
      });
      const saved = get(a.id);
      if (!saved) throw notFound(a.id);
      return saved;
    },
    get,
    list() {
      return (d.stmt("SELECT * FROM accounts ORDER BY created_at_ms, id").all() as Row[]).map(toAccount);
    },
    remove(id) {
      return remove(id);
    },
    purge(id) {
      return purge(id);
    },
    setState(id, state, reason) {
      const res = d
        .stmt("UPDATE accounts SET state = ?, state_reason = ?, updated_at_ms = ? WHERE id = ?")
        .run(state, reason ?? null, d.now(), id);
      if (res.changes === 0) throw notFound(id);
    },
    touch(id, fields) {
      // An answered poll (lastPollAtMs) ends a run of failures.
      const res = d
        .stmt(
          `UPDATE accounts SET
             last_inbound_at_ms = COALESCE(@inbound, last_inbound_at_ms),
             last_poll_at_ms = COALESCE(@poll, last_poll_at_ms),
             poll_failures = CASE WHEN @poll IS NULL THEN poll_failures ELSE 0 END,
             last_poll_error = CASE WHEN @poll IS NULL THEN last_poll_error END,
             last_poll_error_at_ms = CASE WHEN @poll IS NULL THEN last_poll_error_at_ms END
           WHERE id = @id`,
        )
        .run({ inbound: fields.lastInboundAtMs ?? null, poll: fields.lastPollAtMs ?? null, id });
      if (res.changes === 0) throw notFound(id);
    },
    pollFailed(id, error, atMs) {
      const res = d
        .stmt(
          `UPDATE accounts SET poll_failures = poll_failures + 1, last_poll_error = ?,
                               last_poll_error_at_ms = ? WHERE id = ?`,
        )
        .run(error, atMs, id);
      if (res.changes === 0) throw notFound(id);
    },
  };
}

export function createContactStore(d: Db): ContactStore {
  const get = (accountId: string, userId: string): ContactRecord | undefined => {
    const row = d
      .stmt("SELECT * FROM contacts WHERE account_id = ? AND user_id = ?")
      .get(accountId, userId) as Row | undefined;
    return row ? toContact(row) : undefined;
  };
  const ensure = (accountId: string, userId: string, atMs: number): void => {
    d.stmt(
      `INSERT INTO contacts (account_id, user_id, settings, first_seen_at_ms, last_seen_at_ms)
       VALUES (?, ?, '{}', ?, ?) ON CONFLICT (account_id, user_id) DO NOTHING`,
    ).run(accountId, userId, atMs, atMs);
  };

  /** One statement: create, or move lastSeen forward (a replayed, older message never moves it back). */
  const see = (accountId: string, userId: string, atMs: number): Row | undefined =>
    d
      .stmt(
        `INSERT INTO contacts (account_id, user_id, settings, first_seen_at_ms, last_seen_at_ms)
         VALUES (?, ?, '{}', ?, ?)
         ON CONFLICT (account_id, user_id) DO UPDATE SET last_seen_at_ms = excluded.last_seen_at_ms
           WHERE excluded.last_seen_at_ms > contacts.last_seen_at_ms
         RETURNING *`,
      )
      .get(accountId, userId, atMs, atMs) as Row | undefined;

  // An operator may allowlist or name a contact before it has ever written: update creates it.
  const update = d.db.transaction(
    (accountId: string, userId: string, patch: Partial<Pick<ContactRecord, "name" | "preset">>) => {
      ensure(accountId, userId, d.now());
      if ("name" in patch) {
        d.stmt("UPDATE contacts SET name = ? WHERE account_id = ? AND user_id = ?").run(
          patch.name ?? null,
          accountId,
          userId,
        );
      }
      if ("preset" in patch) {
        d.stmt("UPDATE contacts SET preset = ? WHERE account_id = ? AND user_id = ?").run(
          patch.preset ?? null,
          accountId,
          userId,
        );
      }
    },
  );
  // Read and write in one synchronous transaction: nothing else runs on the connection between.
  const updateSettings = d.db.transaction(
    (accountId: string, userId: string, change: (s: Record<string, unknown>) => Record<string, unknown>) => {
      ensure(accountId, userId, d.now());
      const next = change(get(accountId, userId)?.settings ?? {});
      d.stmt("UPDATE contacts SET settings = ? WHERE account_id = ? AND user_id = ?").run(
        JSON.stringify(next),
        accountId,
        userId,
      );
      return next;
    },
  );

  return {
    see(accountId, userId, atMs) {
      const row = see(accountId, userId, atMs);
      // No row back: lastSeen was already as new, nothing written.
      const c = row ? toContact(row) : get(accountId, userId);
      if (!c) throw new StoreError("NOT_FOUND", `contact ${userId} on account ${accountId} vanished`);
      return c;
    },
    get,
    list(accountId) {
      const rows = (
        accountId === undefined
          ? d.stmt("SELECT * FROM contacts ORDER BY last_seen_at_ms DESC").all()
          : d.stmt("SELECT * FROM contacts WHERE account_id = ? ORDER BY last_seen_at_ms DESC").all(accountId)
      ) as Row[];
      return rows.map(toContact);
    },
    update(accountId, userId, patch) {
      update(accountId, userId, patch);
    },
    updateSettings: (accountId, userId, change) => updateSettings(accountId, userId, change),
  };
}
