/**
 * Which account an operation means, and whether a contact can be written to. The messages here
 * are what an MCP client's model reads, so each names the fix.
 */
import type { AsyncStore } from "../store/async.js";
import type { Account, ContextTokenRecord } from "../store/types.js";
import { fieldRef, OpsError, opRef } from "./errors.js";

const NO_ACCOUNTS = `no WeChat account is logged in yet; log in with ${opRef("login_start")} and scan the QR code`;

/** An account named by id, or UNKNOWN_ACCOUNT listing the ids there are. */
export async function accountById(store: Pick<AsyncStore, "accounts">, id: string): Promise<Account> {
  const account = await store.accounts.get(id);
  if (account) return account;
  throw unknownAccount(
    id,
    (await store.accounts.list()).map((a) => a.id),
  );
}

/** UNKNOWN_ACCOUNT for `id`, listing the ids there are (`ids`). */
export function unknownAccount(id: string, ids: readonly string[]): OpsError {
  return new OpsError(
    "UNKNOWN_ACCOUNT",
    ids.length === 0
      ? `account ${id} does not exist: ${NO_ACCOUNTS}`
      : `account ${id} does not exist; known accounts: ${ids.join(", ")}`,
  );
}

/** For reads: the named account, or undefined meaning "all accounts". */
export async function optionalAccount(
  store: Pick<AsyncStore, "accounts">,
  id: string | undefined,
): Promise<Account | undefined> {
  return id === undefined ? undefined : accountById(store, id);
}

/**
 * For sends: the named account; else the only account; else the one account holding a context
 * token for `to` (several → AMBIGUOUS_ACCOUNT; none → the contact is unknown everywhere).
 */
export async function accountForSend(
  store: Pick<AsyncStore, "accounts" | "contacts" | "contextTokens">,
  id: string | undefined,
  to: string,
): Promise<Account> {
  if (id !== undefined) return accountById(store, id);
  const all = await store.accounts.list();
  if (all.length === 0) throw new OpsError("UNKNOWN_ACCOUNT", NO_ACCOUNTS);
  if (all.length === 1) return all[0] as Account;
  const withToken = await filterAsync(all, async (a) => Boolean(await store.contextTokens.get(a.id, to)));
  if (withToken.length === 1) return withToken[0] as Account;
  if (withToken.length > 1) {
    throw new OpsError(
      "AMBIGUOUS_ACCOUNT",
      `${to} has written to several accounts (${withToken.map((a) => a.id).join(", ")}); pass ${fieldRef("account")} to choose one`,
    );
  }
  const seen = await filterAsync(all, async (a) => Boolean(await store.contacts.get(a.id, to)));
  if (seen.length === 1) return seen[0] as Account;
  if (seen.length > 1) {
    throw new OpsError(
      "AMBIGUOUS_ACCOUNT",
      `${to} is a contact of several accounts (${seen.map((a) => a.id).join(", ")}); pass ${fieldRef("account")} to choose one`,
    );
  }
  throw new OpsError(
    "UNKNOWN_CONTACT",
    `${to} has never written to any of the accounts (${all.map((a) => a.id).join(", ")}); a bot can only message someone who wrote to it first: ask them to send the bot a message, then ${opRef("list_contacts")} shows them`,
  );
}

/** The items of `list` for which `keep` resolves true, in order. */
async function filterAsync<T>(list: readonly T[], keep: (item: T) => Promise<boolean>): Promise<T[]> {
  const kept = await Promise.all(list.map(keep));
  return list.filter((_, i) => kept[i]);
}

/** The account can send: active, not expired or disabled. */
export function assertActive(account: Account): void {
  if (account.state === "active") return;
  if (account.state === "expired") {
    throw new OpsError(
      "ACCOUNT_EXPIRED",
      `account ${account.id} has expired (${account.stateReason ?? "session expired (-14)"}); log in again with ${opRef("login_start")}`,
    );
  }
  throw new OpsError(
    "ACCOUNT_EXPIRED",
    `account ${account.id} is ${account.state}${account.stateReason ? ` (${account.stateReason})` : ""}; log in again with ${opRef("login_start")}`,
  );
}

/** The contact's current context token, or the error saying why there is none. */
export async function contextTokenFor(
  store: Pick<AsyncStore, "contacts" | "contextTokens">,
  account: Account,
  to: string,
): Promise<ContextTokenRecord> {
  const token = await store.contextTokens.get(account.id, to);
  if (token) return token;
  if (!(await store.contacts.get(account.id, to))) {
    throw new OpsError(
      "UNKNOWN_CONTACT",
      `${to} has never written to account ${account.id}; a bot can only message someone who wrote to it first: ask them to send the bot a message (${opRef("list_contacts")} shows who has)`,
    );
  }
  throw new OpsError(
    "NO_CONTEXT_TOKEN",
    `no context token for ${to} on account ${account.id} yet (none since the last login): WeChat lets a bot write only after the contact's latest message; ask ${to} to send the bot any message, then retry`,
  );
}
