/**
 * Accounts (with their bot token: the credential store) and contacts, on PostgreSQL. Same rows
 * and rules as sqlite-accounts.ts.
 */
import type { Async } from "./async.js";
import { StoreError } from "./errors.js";
import type { Pq } from "./postgres-db.js";
import { toAccount, toContact } from "./sqlite-accounts.js";
import type { Account, AccountStore, ContactRecord, ContactStore } from "./types.js";

const notFound = (id: string) =>
  new StoreError("NOT_FOUND", `account ${id} does not exist; list accounts with \`wxagent accounts\``);

/** Credentials and live state go; history and contacts stay (for audit). */
async function removeAccount(q: Pq, id: string): Promise<boolean> {
  const n = await q.run("DELETE FROM accounts WHERE id = $1", [id]);
  await q.run("DELETE FROM cursors WHERE account_id = $1", [id]);
  await q.run("DELETE FROM context_tokens WHERE account_id = $1", [id]);
  await q.run("DELETE FROM sessions WHERE account_id = $1", [id]);
  return n > 0;
}

export function createPgAccountStore(q: Pq): Async<AccountStore> {
  const get = async (id: string): Promise<Account | undefined> => {
    const row = await q.one("SELECT * FROM accounts WHERE id = $1", [id]);
    return row ? toAccount(row) : undefined;
  };
  const mustChange = (n: number, id: string): void => {
    if (n === 0) throw notFound(id);
  };

  return {
    async upsert(a) {
      const now = q.now();
      const row = await q.one(
        `INSERT INTO accounts (id, base_url, cdn_base_url, token, owner_user_id, name, state, state_reason,
                               created_at_ms, updated_at_ms, last_inbound_at_ms, last_poll_at_ms, simulated)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (id) DO UPDATE SET
           base_url = excluded.base_url, cdn_base_url = excluded.cdn_base_url, token = excluded.token,
           owner_user_id = excluded.owner_user_id, name = excluded.name, state = excluded.state,
           state_reason = excluded.state_reason, updated_at_ms = excluded.updated_at_ms,
           simulated = excluded.simulated,
           last_inbound_at_ms = COALESCE(excluded.last_inbound_at_ms, accounts.last_inbound_at_ms),
           last_poll_at_ms = COALESCE(excluded.last_poll_at_ms, accounts.last_poll_at_ms),
           poll_failures = 0, last_poll_error = NULL, last_poll_error_at_ms = NULL
         RETURNING *`,
        [
          a.id,
          a.baseUrl,
          a.cdnBaseUrl,
          a.token,
          a.ownerUserId ?? null,
          a.name ?? null,
          a.state,
          a.stateReason ?? null,
          a.createdAtMs ?? now,
          now,
          a.lastInboundAtMs ?? null,
          a.lastPollAtMs ?? null,
          a.simulated === true,
        ],
      );
      if (!row) throw notFound(a.id);
      return toAccount(row);
    },
    get,
    async list() {
      return (await q.rows("SELECT * FROM accounts ORDER BY created_at_ms, id")).map(toAccount);
    },
    remove: (id) => q.tx((t) => removeAccount(t, id)),
    purge: (id) =>
      q.tx(async (t) => {
        const removed = await removeAccount(t, id);
        await t.run("DELETE FROM outbound WHERE account_id = $1", [id]);
        await t.run("DELETE FROM inbound WHERE account_id = $1", [id]);
        await t.run("DELETE FROM contacts WHERE account_id = $1", [id]);
        return removed;
      }),
    async setState(id, state, reason) {
      const n = await q.run(
        "UPDATE accounts SET state = $1, state_reason = $2, updated_at_ms = $3 WHERE id = $4",
        [state, reason ?? null, q.now(), id],
      );
      mustChange(n, id);
    },
    async touch(id, fields) {
      // An answered poll (lastPollAtMs) ends a run of failures.
      const n = await q.run(
        `UPDATE accounts SET
           last_inbound_at_ms = COALESCE($1::bigint, last_inbound_at_ms),
           last_poll_at_ms = COALESCE($2::bigint, last_poll_at_ms),
           poll_failures = CASE WHEN $2::bigint IS NULL THEN poll_failures ELSE 0 END,
           last_poll_error = CASE WHEN $2::bigint IS NULL THEN last_poll_error END,
           last_poll_error_at_ms = CASE WHEN $2::bigint IS NULL THEN last_poll_error_at_ms END
         WHERE id = $3`,
        [fields.lastInboundAtMs ?? null, fields.lastPollAtMs ?? null, id],
      );
      mustChange(n, id);
    },
    async pollFailed(id, error, atMs) {
      const n = await q.run(
        `UPDATE accounts SET poll_failures = poll_failures + 1, last_poll_error = $1,
                             last_poll_error_at_ms = $2 WHERE id = $3`,
        [error, atMs, id],
      );
      mustChange(n, id);
    },
  };
}

export function createPgContactStore(q: Pq): Async<ContactStore> {
  const get = async (accountId: string, userId: string): Promise<ContactRecord | undefined> => {
    const row = await q.one("SELECT * FROM contacts WHERE account_id = $1 AND user_id = $2", [
      accountId,
      userId,
    ]);
    return row ? toContact(row) : undefined;
  };
  const ensure = (t: Pq, accountId: string, userId: string, atMs: number) =>
    t.run(
      `INSERT INTO contacts (account_id, user_id, settings, first_seen_at_ms, last_seen_at_ms)
       VALUES ($1, $2, '{}', $3, $3) ON CONFLICT (account_id, user_id) DO NOTHING`,
      [accountId, userId, atMs],
    );

  return {
    async see(accountId, userId, atMs) {
      // One statement: first sight inserts; later sights only move lastSeen forward (GREATEST:
      // a replayed older message never moves it back).
      const row = await q.one(
        `INSERT INTO contacts (account_id, user_id, settings, first_seen_at_ms, last_seen_at_ms)
         VALUES ($1, $2, '{}', $3, $3)
         ON CONFLICT (account_id, user_id) DO UPDATE
           SET last_seen_at_ms = GREATEST(contacts.last_seen_at_ms, excluded.last_seen_at_ms)
         RETURNING *`,
        [accountId, userId, atMs],
      );
      if (!row) throw new StoreError("NOT_FOUND", `contact ${userId} on account ${accountId} vanished`);
      return toContact(row);
    },
    get,
    async list(accountId) {
      const rows =
        accountId === undefined
          ? await q.rows("SELECT * FROM contacts ORDER BY last_seen_at_ms DESC")
          : await q.rows("SELECT * FROM contacts WHERE account_id = $1 ORDER BY last_seen_at_ms DESC", [
              accountId,
            ]);
      return rows.map(toContact);
    },
    // An operator may allowlist or name a contact before it has ever written: update creates it.
    update: (accountId, userId, patch) =>
      q.tx(async (t) => {
        await ensure(t, accountId, userId, t.now());
        const key = [accountId, userId];
        if ("name" in patch) {
          await t.run("UPDATE contacts SET name = $3 WHERE account_id = $1 AND user_id = $2", [
            ...key,
            patch.name ?? null,
          ]);
        }
        if ("preset" in patch) {
          await t.run("UPDATE contacts SET preset = $3 WHERE account_id = $1 AND user_id = $2", [
            ...key,
            patch.preset ?? null,
          ]);
        }
      }),
    // FOR UPDATE: under READ COMMITTED two writers would both read the old settings and the
    // second would write back the first one's key as it was. The row lock lasts to the commit
    // (of the caller's transaction, when this runs inside one).
    updateSettings: (accountId, userId, change) =>
      q.tx(async (t) => {
        await ensure(t, accountId, userId, t.now());
        const row = await t.one("SELECT * FROM contacts WHERE account_id = $1 AND user_id = $2 FOR UPDATE", [
          accountId,
          userId,
        ]);
        const next = change(row ? toContact(row).settings : {});
        await t.run("UPDATE contacts SET settings = $3 WHERE account_id = $1 AND user_id = $2", [
          accountId,
          userId,
          JSON.stringify(next),
        ]);
        return next;
      }),
  };
}
