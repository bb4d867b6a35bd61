/**
 * Filter queries for `bot.on(...)`: a query names a kind of inbound message, and the handler's
 * context type is narrowed to match (grammY's `bot.on("message:text")`, for iLink's item types).
 * `"message"` matches every message; `"message:text"` one with a TEXT item carrying a string, and
 * so on for image, voice, file and video items (the payload object must be present).
 */
import type { Context } from "./context.js";
import {
  type FileItem,
  type FileMessageItem,
  type ImageItem,
  type ImageMessageItem,
  type MessageItem,
  MessageItemType,
  type TextItem,
  type TextMessageItem,
  type VideoItem,
  type VideoMessageItem,
  type VoiceItem,
  type VoiceMessageItem,
} from "./wire.js";

/**
 * What each query guarantees about the context (the getters it makes non-optional).
 *
 * @example
 * import type { FilterNarrowing } from "wxagent/ilink";
 * type TextGuarantee = FilterNarrowing["message:text"]; // { textItem: … }
 */
export interface FilterNarrowing {
  message: object;
  "message:text": { textItem: TextMessageItem & { text_item: TextItem & { text: string } } };
  "message:image": { imageItem: ImageMessageItem & { image_item: ImageItem } };
  "message:voice": { voiceItem: VoiceMessageItem & { voice_item: VoiceItem } };
  "message:file": { fileItem: FileMessageItem & { file_item: FileItem } };
  "message:video": { videoItem: VideoMessageItem & { video_item: VideoItem } };
}

/**
 * A query accepted by `bot.on` and `composer.on`.
 *
 * @example
 * import type { FilterQuery } from "wxagent/ilink";
 * const media: FilterQuery[] = ["message:image", "message:video"];
 */
export type FilterQuery = keyof FilterNarrowing;

/**
 * The context type a query narrows `C` to; a union of queries gives a union of contexts.
 *
 * @example
 * import type { Context, Filter } from "wxagent/ilink";
 * function caption(ctx: Filter<Context, "message:file">): string {
 *   return ctx.fileItem.file_item.file_name ?? "a file";
 * }
 */
export type Filter<C extends Context, Q extends FilterQuery> = Q extends FilterQuery
  ? C & FilterNarrowing[Q]
  : never;

const ITEM_CHECKS: { readonly [Q in FilterQuery]: (item: MessageItem) => boolean } = {
  message: () => true,
  "message:text": (i) => i.type === MessageItemType.TEXT && typeof i.text_item?.text === "string",
  "message:image": (i) => i.type === MessageItemType.IMAGE && isObject(i.image_item),
  "message:voice": (i) => i.type === MessageItemType.VOICE && isObject(i.voice_item),
  "message:file": (i) => i.type === MessageItemType.FILE && isObject(i.file_item),
  "message:video": (i) => i.type === MessageItemType.VIDEO && isObject(i.video_item),
};

/** The first item a query's check accepts (what the narrowed getters of `Context` return). */
export function findItem(items: readonly MessageItem[], query: FilterQuery): MessageItem | undefined {
  return items.find(ITEM_CHECKS[query]);
}

function isObject(value: unknown): boolean {
  return typeof value === "object" && value !== null;
}

/**
 * The predicate behind one query or a list of them (any may match). Throws on an unknown query,
 * so a typo fails when the handler is installed rather than matching nothing.
 *
 * @example
 * import { matchFilter } from "wxagent/ilink";
 * const isMedia = matchFilter(["message:image", "message:video"]);
 */
export function matchFilter<C extends Context, Q extends FilterQuery>(
  query: Q | readonly Q[],
): (ctx: C) => ctx is Filter<C, Q> {
  const queries: readonly FilterQuery[] = typeof query === "string" ? [query] : query;
  if (queries.length === 0) throw new TypeError("a filter needs at least one query");
  const checks = queries.map((q) => {
    const check = Object.hasOwn(ITEM_CHECKS, q) ? ITEM_CHECKS[q] : undefined;
    if (!check)
      throw new TypeError(
        `unknown filter query "${String(q)}" (known: ${Object.keys(ITEM_CHECKS).join(", ")})`,
      );
    return { all: q === "message", check };
  });
  return (ctx: C): ctx is Filter<C, Q> =>
    checks.some(({ all, check }) => all || ctx.items.some((item) => check(item)));
}
