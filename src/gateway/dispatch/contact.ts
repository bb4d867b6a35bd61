/** The agent's view of who wrote a message. */
import type { Contact } from "../../agent/types.js";
import type { Lang } from "../../shared/i18n.js";
import type { AsyncStore } from "../../store/async.js";
import type { InboundMessage } from "../../store/types.js";

/**
 * The agent's view of who wrote `message` (the account's owner is recorded in the store), with
 * the account's language when known.
 */
export async function contactOf(
  store: Pick<AsyncStore, "accounts">,
  message: InboundMessage,
  language?: Lang,
): Promise<Contact> {
  const owner = (await store.accounts.get(message.accountId))?.ownerUserId;
  const contact: Contact = {
    accountId: message.accountId,
    userId: message.fromUserId,
    isOwner: owner !== undefined && owner === message.fromUserId,
  };
  if (message.groupId) contact.groupId = message.groupId;
  if (language) contact.language = language;
  return contact;
}
