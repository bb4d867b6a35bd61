/**
 * The dispatcher's `resolveMedia` hook, built on `prepareInboundMedia`: it replaces the turn's
 * placeholder media with downloaded files, sets the quote, appends what the agent should know to
 * the text, and sends the user's notices as one bubble (each bubble costs send quota), in the
 * account's language. A message left with nothing for the agent (no text, no quote, every item
 * unusable) is answered by that notice alone: `"answered"`, and no turn runs (a voice note nobody
 * can listen to is not echoed or answered twice).
 */
import type { AgentInput, Contact } from "../../agent/types.js";
import { itemMedia } from "../../ilink/inbound-media.js";
import { MessageItemType } from "../../ilink/wire.js";
import { type Lang, systemLanguage } from "../../shared/i18n.js";
import { messageOf } from "../../shared/wx-error.js";
import type { InboundMessage } from "../../store/types.js";
import { createLogger, type Logger } from "../../util/logger.js";
import type { MediaDownloader } from "./download.js";
import { prepareInboundMedia } from "./inbound.js";
import type { MediaLimits } from "./limits.js";
import type { Transcriber } from "./transcribe.js";

export interface MediaResolverOptions {
  /** `<home>/media`. */
  mediaDir: string;
  /** The contact's workspace directory (e.g. `(c) => workspaceDirFor(c, where)`). */
  workspaceDirFor(contact: Contact): string;
  /** The account's SDK client (`ILinkTransport.client`); undefined → media is left undownloaded. */
  downloaderFor(accountId: string): MediaDownloader | undefined;
  transcriber?: Transcriber;
  allowHosts?: readonly string[];
  limits?: Partial<MediaLimits>;
  /** Send one text to the message's sender (the delivery port's `sendNotice`). */
  notify(message: InboundMessage, text: string): Promise<void>;
  /** The language of the notices (default: the system's). */
  languageFor?(accountId: string): Lang;
  logger?: Logger;
}

const KNOWN = new Set<number>(Object.values(MessageItemType));

/** Whether a message has anything for the media layer (media, a quote, an unknown item). */
export function needsMedia(message: Pick<InboundMessage, "items">): boolean {
  return message.items.some(
    (i) =>
      i.ref_msg !== undefined ||
      i.type === MessageItemType.VOICE ||
      itemMedia(i) !== undefined ||
      !KNOWN.has(i.type ?? 0) ||
      i.type === MessageItemType.NONE,
  );
}

export function createMediaResolver(options: MediaResolverOptions) {
  const log = options.logger ?? createLogger("gateway:media");
  return async (message: InboundMessage, input: AgentInput): Promise<MediaOutcome> => {
    if (!needsMedia(message)) return;
    const downloader = options.downloaderFor(message.accountId);
    if (!downloader) {
      log.warn({ accountId: message.accountId }, "no client for the account: media left undownloaded");
      return;
    }
    const prepared = await prepareInboundMedia({
      accountId: message.accountId,
      inboundId: message.id,
      items: message.items,
      workspaceDir: options.workspaceDirFor(input.contact),
      mediaDir: options.mediaDir,
      downloader,
      signal: input.signal,
      logger: log,
      lang: options.languageFor?.(message.accountId) ?? systemLanguage(),
      ...(options.transcriber ? { transcriber: options.transcriber } : {}),
      ...(options.allowHosts ? { allowHosts: options.allowHosts } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    });
    const own = input.text;
    input.media = prepared.media;
    if (prepared.quote) input.quote = prepared.quote;
    if (prepared.textAdditions.length > 0) {
      input.text = [input.text, ...prepared.textAdditions].filter((t) => t !== "").join("\n");
    }
    if (prepared.userNotices.length === 0) return undefined;
    try {
      await options.notify(message, prepared.userNotices.join("\n"));
    } catch (err) {
      log.error({ inboundId: message.id, err: messageOf(err) }, "could not send the media notice");
      return undefined;
    }
    const unusable = prepared.media.length > 0 && prepared.media.every((m) => m.error !== undefined);
    return own.trim() === "" && !input.quote && unusable ? "answered" : undefined;
  };
}

/** `"answered"`: the notice sent was the whole answer (nothing usable for the agent); no turn. */
export type MediaOutcome = "answered" | undefined;
