/**
 * The dispatcher's outbound media step: a reply's files checked against the contact's workspace
 * (`media/prepareOutboundReply`) and files sent mid-turn through `AgentIO.sendFile` checked the
 * same way, so an agent can never mail out a file from outside its workspace.
 */
import { mkdir } from "node:fs/promises";
import type { AgentReply } from "../agent/types.js";
import type { Lang } from "../shared/i18n.js";
import { checkOutboundFile, extractFileTags, type MediaLimits, prepareOutboundReply } from "./media/index.js";
import { GATEWAY_TEXTS, gatewayWords } from "./texts.js";

/** The sentence a reply gets when the contact's preset does not let it carry files (English; every language: `filesNotAllowed`). */
export const FILES_NOT_ALLOWED = GATEWAY_TEXTS.filesNotAllowed.en;

export interface ReplyMediaOptions {
  workspaceDir: string;
  /** False when the contact's preset does not allow `send_file`: tags and files are removed. */
  allowFiles?: boolean;
  limits?: Partial<MediaLimits> | undefined;
  maxBubbles?: number | undefined;
  chunkChars?: number | undefined;
  /** The language of the sentences added (default en). */
  lang?: Lang | undefined;
}

/**
 * `prepareOutboundReply`, but a failure (a disk error) still lets the text go out: without the
 * files, with a sentence saying so, since unchecked files must never be sent.
 */
export async function prepareReplyMedia(
  reply: AgentReply,
  o: ReplyMediaOptions,
  onError: (err: unknown) => void,
): Promise<AgentReply> {
  if (o.allowFiles === false) {
    const { text, paths } = extractFileTags(reply.text);
    const refused = paths.length + (reply.files?.length ?? 0) > 0;
    if (refused) reply = { text: `${text}\n\n${gatewayWords(o.lang ?? "en").filesNotAllowed}`.trim() };
  }
  try {
    // A workspace the agent never created would make every path read "does not exist", even one
    // outside it: create it (empty) so a refusal names the real reason.
    if ((reply.files?.length ?? 0) > 0 || reply.text.includes("<<FILE:")) await ensureDir(o.workspaceDir);
    return await prepareOutboundReply(reply, {
      workspaceDir: o.workspaceDir,
      ...(o.limits ? { limits: o.limits } : {}),
      ...(o.maxBubbles === undefined ? {} : { maxBubbles: o.maxBubbles }),
      ...(o.chunkChars === undefined ? {} : { chunkChars: o.chunkChars }),
      ...(o.lang ? { lang: o.lang } : {}),
    });
  } catch (err) {
    onError(err);
    const { text, paths } = extractFileTags(reply.text);
    const lost = paths.length + (reply.files?.length ?? 0) > 0;
    return { text: lost ? `${text}\n\n${gatewayWords(o.lang ?? "en").filesLost}`.trim() : text };
  }
}

/** The checked real path of a file the agent wants to send; throws the user-facing refusal otherwise. */
export async function checkedOutboundPath(
  path: string,
  workspaceDir: string,
  limits: Partial<MediaLimits> | undefined,
): Promise<string> {
  await ensureDir(workspaceDir);
  const r = await checkOutboundFile(path, workspaceDir, limits);
  if (!r.ok) throw new Error(r.refusal.message);
  return r.file.path;
}

function ensureDir(dir: string): Promise<unknown> {
  return mkdir(dir, { recursive: true, mode: 0o700 });
}
