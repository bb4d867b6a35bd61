/**
 * Permission requests (session/request_permission) answered from the phone: a short numbered
 * question built from the agent's own options, answered with a digit or y/n. No answer in
 * time, or a second unreadable one, rejects: a tool never runs because nobody answered.
 */
import type {
  PermissionOption,
  RequestPermissionRequest,
  RequestPermissionResponse,
} from "@agentclientprotocol/sdk";
import type { Lang } from "../../shared/i18n.js";
import { isBlank, trimEndWhere } from "../../util/text.js";
import type { Preset } from "../presets.js";
import { agentWords } from "../texts.js";
import type { AgentIO, AskOptions } from "../types.js";
import { decide } from "./config.js";

export type PermissionAnswer = RequestPermissionResponse;

const CANCELLED: PermissionAnswer = { outcome: { outcome: "cancelled" } };

function selected(option: PermissionOption): PermissionAnswer {
  return { outcome: { outcome: "selected", optionId: option.optionId } };
}

/** The first option of the given kinds, in the order of the kinds. */
function pick(options: PermissionOption[], kinds: PermissionOption["kind"][]): PermissionOption | undefined {
  for (const kind of kinds) {
    const found = options.find((o) => o.kind === kind);
    if (found) return found;
  }
  return undefined;
}

/** Reject once if offered, else reject always, else the `cancelled` outcome. */
export function rejectAnswer(options: PermissionOption[]): PermissionAnswer {
  const option = pick(options, ["reject_once", "reject_always"]);
  return option ? selected(option) : CANCELLED;
}

export function allowAnswer(options: PermissionOption[]): PermissionAnswer {
  const option = pick(options, ["allow_once", "allow_always"]);
  return option ? selected(option) : rejectAnswer(options);
}

/** What the tool call is, in a few words: its title, else its kind and first location. */
export function describeToolCall(req: RequestPermissionRequest): string {
  const call = req.toolCall;
  const title = call.title?.trim();
  if (title) return clip(title, 200);
  const where = call.locations?.[0]?.path;
  return [call.kind ?? "tool", where].filter(Boolean).join(" ");
}

/**
 * "🔐 The agent asks to: Edit src/a.ts\n1 Allow once · 2 Allow always · 3 Reject\nReply 1–3 (or y/n)."
 * The options in the agent's own order, with its own labels. The gateway numbers the question and
 * adds how to answer when several wait ("1 4": option 1 of question 4).
 */
export function formatQuestion(req: RequestPermissionRequest, lang: Lang = "en"): string {
  const choices = req.options.map((o, i) => `${i + 1} ${o.name}`).join(" · ");
  const range = req.options.length > 1 ? `1–${req.options.length}` : "1";
  return agentWords(lang).permissionAsk({ what: describeToolCall(req), choices, range });
}

/**
 * Exactly what the agent wants to do, for the question: its raw input (a command, arguments) as
 * it sent it, and the paths it names. Never cut or redacted; the gateway sends a long one as a file.
 */
export function exactToolCall(req: RequestPermissionRequest): string | undefined {
  const call = req.toolCall;
  const parts: string[] = [];
  const raw = call.rawInput as unknown;
  if (raw !== undefined && raw !== null) {
    const r = raw as Record<string, unknown>;
    const onlyCommand =
      typeof raw === "object" && typeof r.command === "string" && Object.keys(r).length === 1;
    parts.push(
      onlyCommand ? (r.command as string) : typeof raw === "string" ? raw : JSON.stringify(raw, null, 2),
    );
  }
  for (const l of call.locations ?? []) parts.push(`path: ${l.path}`);
  return parts.length > 0 ? parts.join("\n") : undefined;
}

const YES = new Set(["y", "yes", "ok", "okay", "allow", "sure", "是", "好", "好的", "可以", "允许", "同意"]);
const NO = new Set(["n", "no", "reject", "deny", "nope", "否", "不", "不行", "拒绝", "不要"]);
const ALWAYS = new Set(["a", "always", "总是", "始终"]);

/** The option a reply chooses, or undefined when it cannot be read. */
export function parseAnswer(reply: string, options: PermissionOption[]): PermissionOption | undefined {
  const text = trimEndWhere(reply.trim().toLowerCase(), (c) => ".!。！".includes(c) || isBlank(c));
  if (/^\d+$/.test(text)) return options[Number(text) - 1];
  if (YES.has(text)) return pick(options, ["allow_once", "allow_always"]);
  if (ALWAYS.has(text)) return pick(options, ["allow_always"]);
  if (NO.has(text)) return pick(options, ["reject_once", "reject_always"]);
  return options.find((o) => o.name.toLowerCase() === text);
}

export interface PermissionContext {
  io: AgentIO;
  preset: Preset;
  timeoutMs: number;
  askTo: "contact" | "owner";
  /** The turn's signal: `/stop` answers every open question with `cancelled`. */
  signal: AbortSignal;
  /** The language of the question (the contact's; default en). */
  lang?: Lang;
}

/**
 * Answer one permission request: in advance from the policy, or by asking the contact (one
 * retry on an unreadable reply). Silence, a second unreadable reply or `deny` rejects.
 */
export async function answerPermission(
  req: RequestPermissionRequest,
  ctx: PermissionContext,
): Promise<PermissionAnswer> {
  if (ctx.signal.aborted) return CANCELLED;
  const decision = decide(ctx.preset, req.toolCall.kind);
  if (decision === "allow") return allowAnswer(req.options);
  if (decision === "deny") return rejectAnswer(req.options);
  if (req.options.length === 0) return CANCELLED;

  const lang = ctx.lang ?? "en";
  let question = formatQuestion(req, lang);
  for (let attempt = 0; attempt < 2; attempt++) {
    const reply = await askWithin(ctx, question, exactToolCall(req));
    if (ctx.signal.aborted) return CANCELLED;
    if (reply === undefined) return rejectAnswer(req.options);
    const option = parseAnswer(reply, req.options);
    if (option) return selected(option);
    question = agentWords(lang).permissionAgain({ question: formatQuestion(req, lang) });
  }
  return rejectAnswer(req.options);
}

/** io.ask bounded by our own timeout and the turn's signal, whichever comes first. */
async function askWithin(
  ctx: PermissionContext,
  question: string,
  verbatim: string | undefined,
): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  // The gateway (which says "expired" when its own wait ends) comes first; this is a backstop.
  const askOptions: AskOptions = { timeoutMs: ctx.timeoutMs, to: ctx.askTo };
  if (verbatim !== undefined) askOptions.verbatim = verbatim;
  const stop = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ctx.timeoutMs + 5_000);
    onAbort = () => resolve(undefined);
    ctx.signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([ctx.io.ask(question, askOptions), stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) ctx.signal.removeEventListener("abort", onAbort);
  }
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
