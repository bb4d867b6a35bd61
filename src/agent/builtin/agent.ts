/**
 * The built-in agent: an AI SDK tool loop over the workspace tools, gated per contact by a
 * permission preset, with approvals asked in the chat and progress notes through AgentIO.
 */

import {
  APICallError,
  generateText,
  type LanguageModel,
  type ModelMessage,
  RetryError,
  stepCountIs,
} from "ai";
import { z } from "zod";
import type { SandboxStatus } from "../../shared/sandbox/index.js";
import { systemSandbox } from "../../shared/sandbox/index.js";
import { sequentialize } from "../../shared/sequentialize.js";
import { messageOf } from "../../shared/wx-error.js";
import { createLogger, redactText } from "../../util/logger.js";
import { clip } from "../../util/text.js";
import { DEFAULT_SANDBOX_CONFIG, isApproval, type ResolvedPreset, resolvePreset } from "../presets.js";
import { type AgentWords, wordsOf } from "../texts.js";
import type {
  Agent,
  AgentInput,
  AgentIO,
  AgentReply,
  AgentSessionStore,
  AskOptions,
  Contact,
} from "../types.js";
import type { UnlockStateStore } from "../unlock.js";
import { createTempWorkspace, ensureWorkspace } from "../workspace.js";
import { responseTooLarge } from "./capped-fetch.js";
import { type BuiltinAgentConfig, type BuiltinAgentConfigInput, builtinAgentConfigSchema } from "./config.js";
import { BuiltinAgentError } from "./errors.js";
import { boundHistory, cutToolInputs } from "./history.js";
import { createModel, type ModelSettings, resolveModelSettings } from "./model.js";
import { quotedImage, stageMedia, systemPrompt, userText } from "./prompt.js";
import { type Session, SessionPool } from "./sessions.js";
import { safeEnv } from "./tools/command.js";
import { buildTools, type ToolGate } from "./tools/index.js";
import type { Resolver } from "./tools/netguard.js";
import { commandSandboxFor } from "./tools/sandbox.js";
import {
  type LoadedImages,
  loadImages,
  rejectsImages,
  userMessage,
  visionEnabled,
  withoutImages,
} from "./vision.js";

export interface BuiltinAgentOptions {
  /** The `agent` section of config.json (parsed here; defaults filled in). */
  config: BuiltinAgentConfigInput;
  /** `$WXAGENT_HOME`: workspaces go to `<home>/workspaces/<account>/<user>` unless configured. */
  home: string;
  /** Environment for keys and base URLs (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Use this model instead of building one from the config (tests: MockLanguageModelV3). */
  model?: LanguageModel;
  /** fetch for the model provider (tests). */
  fetch?: typeof fetch;
  /** Unlock state, when `permissions.unlock` is configured (see unlock.ts). */
  unlockStore?: UnlockStateStore;
  /** An operator-assigned preset name for a contact (ContactRecord.preset), read from the store or not. */
  assignedPreset?: (contact: Contact) => string | undefined | Promise<string | undefined>;
  /** Keep per-contact history across restarts (optional): e.g. the store's `sessions` table (async). */
  sessionStore?: AgentSessionStore;
  /** DNS resolver for fetch_url (tests). */
  resolver?: Resolver;
  /** The OS sandbox for run_command (default: this machine's, probed once; tests: none). */
  sandbox?: () => Promise<SandboxStatus>;
  now?: () => number;
}

export interface BuiltinAgent extends Agent {
  readonly name: "builtin";
  readonly config: BuiltinAgentConfig;
  /** The preset a contact gets right now (for `/whoami`, the admin UI): read from the stores. */
  presetFor(contact: Contact): Promise<ResolvedPreset>;
  /** Number of open per-contact sessions. */
  openSessions(): number;
}

const AGENT_NAME = "builtin";
/** Image parts per message (WeChat sends one image a message; a quote can add one). */
const MAX_IMAGES = 4;

function sessionKey(c: Contact): string {
  return `${c.accountId}\u0000${c.groupId ?? ""}\u0000${c.userId}`;
}

/** The "user" column under which a session is persisted (a group chat is its own session). */
function storeUser(c: Contact): string {
  return c.groupId ? `${c.userId}#${c.groupId}` : c.userId;
}

/**
 * Create the built-in agent. Throws BuiltinAgentError (CONFIG_INVALID, NO_API_KEY) at once, so
 * `wxagent start` fails before polling; call `checkModel` too for reachability.
 *
 * @example
 * const agent = createBuiltinAgent({
 *   config: { provider: "openai-compatible", model: "deepseek-chat", baseUrl: "https://api.deepseek.com/v1",
 *             apiKeyEnv: "DEEPSEEK_API_KEY", permissions: { allowlist: ["friend@im.wechat"] } },
 *   home: wxagentHome,
 *   unlockStore: unlockStoreFromContacts(store.contacts), // store: an AsyncStore
 *   assignedPreset: async (c) => (await store.contacts.get(c.accountId, c.userId))?.preset,
 *   sessionStore: store.sessions,
 * });
 * const reply = await agent.run(input, io);
 */
export function createBuiltinAgent(options: BuiltinAgentOptions): BuiltinAgent {
  const parsed = builtinAgentConfigSchema.safeParse(options.config);
  if (!parsed.success) {
    throw new BuiltinAgentError(
      "CONFIG_INVALID",
      `the agent section of config.json is invalid: ${z.prettifyError(parsed.error).replace(/\s*\n\s*/g, "; ")}`,
    );
  }
  const config = parsed.data;
  const env = options.env ?? process.env;
  const log = createLogger("agent:builtin");
  const now = options.now ?? Date.now;
  let settings: ModelSettings | undefined;
  let model: LanguageModel;
  if (options.model) model = options.model;
  else {
    settings = resolveModelSettings(config, env);
    model = createModel(settings, options.fetch, config.maxResponseBytes);
  }
  const secrets = settings?.apiKey ? [settings.apiKey] : [];
  const redact = (text: string) => redactText(text, secrets);
  const commandEnv = safeEnv(env, config.apiKeyEnv ? [config.apiKeyEnv] : [], secrets);
  const perMessage = config.session.mode === "per-message";
  // Turned off for good (in `auto`) when the endpoint turns image parts down, see `rejectsImages`.
  let visionOn = visionEnabled(config.vision, config.provider, config.model);
  const where = { home: options.home, root: config.workspace.root, ownerDir: config.workspace.ownerDir };

  const store = options.sessionStore;
  const historyBounds = {
    maxMessages: config.session.maxHistoryMessages,
    maxChars: config.session.maxHistoryChars,
  };
  const pool = new SessionPool({
    idleMs: config.session.idleMs,
    maxOpen: config.session.maxOpen,
    now,
    onClose: (_s, why) => log.debug({ why, open: pool.size }, "session closed"),
  });

  /**
   * Per chat, one at a time and in order: opening the session (the stored history read), writing
   * it back, and `/new` forgetting it. The store is async, so without this a `/new` could be undone
   * by a read or a write already under way.
   */
  const perChat = sequentialize((key: string) => key);

  const presetFor = async (contact: Contact): Promise<ResolvedPreset> => {
    const [assigned, unlock] = await Promise.all([
      options.assignedPreset?.(contact),
      options.unlockStore?.get(contact),
    ]);
    return resolvePreset(contact, config.permissions, {
      assigned,
      unlockedUntilMs: unlock?.unlockedUntilMs,
      nowMs: now(),
    });
  };

  async function loadHistory(contact: Contact): Promise<ModelMessage[]> {
    const rec = await store?.get(contact.accountId, storeUser(contact), AGENT_NAME);
    if (!rec || now() - rec.updatedAtMs > config.session.idleMs || !Array.isArray(rec.data)) return [];
    return boundHistory(rec.data as ModelMessage[], historyBounds);
  }

  async function openSession(contact: Contact): Promise<Session> {
    const workspace = await ensureWorkspace(contact, where);
    const key = sessionKey(contact);
    return perChat.run(key, async () => {
      // The stored history is read only for a session not open yet.
      const history = pool.has(key) ? [] : await loadHistory(contact);
      return pool.acquire(key, () => ({ key, workspace, history, busy: true, lastUsedMs: now() }));
    });
  }

  function gateFor(input: AgentInput, io: AgentIO, preset: ResolvedPreset): ToolGate {
    const { askTo, askTimeoutMs } = config.permissions;
    const mins = Math.round(askTimeoutMs / 60_000);
    const c = input.contact;
    const w = wordsOf(c);
    const within = mins >= 1 ? w.minutes({ n: mins }) : w.seconds({ n: Math.round(askTimeoutMs / 1000) });
    return {
      preset: preset.preset,
      async approve(name, summary, signal, exact) {
        // The owner's own asks go to the owner; a contact's go to the owner unless the config
        // opts in to `askTo: "contact"` (then a contact approves its own calls).
        const to = c.isOwner ? "owner" : askTo;
        const question = w.approveTool({ tool: name, within });
        const answer = await askWithDeadline(
          io,
          question,
          { to, timeoutMs: askTimeoutMs, verbatim: exact ?? summary, answers: ["y", "n"] },
          signal,
        );
        const approved = isApproval(answer);
        log.info({ tool: name, approved, answered: answer !== undefined, askedTo: to }, "approval");
        return approved;
      },
      onCall(_name, summary) {
        if (config.progress !== "off") io.progress(`🔧 ${redact(summary)}`);
      },
      onRefused(name, summary, why) {
        log.info({ tool: name, why }, "tool refused");
        if (config.progress === "verbose") io.progress(`⛔ ${redact(summary)} (${why})`);
      },
    };
  }

  async function run(input: AgentInput, io: AgentIO): Promise<AgentReply> {
    const started = now();
    const preset = await presetFor(input.contact);
    const turn = new AbortController();
    const onAbort = () => turn.abort(input.signal.reason);
    if (input.signal.aborted) onAbort();
    else input.signal.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const wall = setTimeout(() => {
      timedOut = true;
      turn.abort(new Error("turn wall time exceeded"));
    }, config.maxTurnMs);

    let session: Session | undefined;
    let temp: Awaited<ReturnType<typeof createTempWorkspace>> | undefined;
    try {
      let root: string;
      let history: ModelMessage[];
      if (perMessage) {
        temp = await createTempWorkspace();
        root = temp.dir;
        history = [];
      } else {
        session = await openSession(input.contact);
        root = session.workspace;
        history = session.history;
      }
      const staged = await stageMedia(root, input.media);
      const quoted = quotedImage(input);
      const wanted = quoted ? [...staged.images, quoted] : staged.images;
      const shown: LoadedImages =
        visionOn && wanted.length > 0
          ? await loadImages(wanted, {
              maxBytes: config.imageMaxBytes,
              maxCount: MAX_IMAGES,
              maxPixels: config.imageMaxPixels,
            })
          : { parts: [], notes: [] };
      const prompt = userText(input, [...staged.notes, ...shown.notes]);
      let user: ModelMessage = userMessage(prompt, shown.parts);
      const sandbox = commandSandboxFor({
        contact: input.contact,
        preset,
        config: config.permissions.sandbox ?? DEFAULT_SANDBOX_CONFIG,
        home: options.home,
        ...(config.workspace.root ? { workspacesRoot: config.workspace.root } : {}),
        ...(config.workspace.ownerDir ? { ownerDir: config.workspace.ownerDir } : {}),
        hostEnv: env,
        status: options.sandbox ?? systemSandbox,
      });
      const tools = buildTools(
        { root, limits: config.tools, io, commandEnv, sandbox, resolver: options.resolver },
        gateFor(input, io, preset),
      );
      let steps = 0;
      const generate = (message: ModelMessage) =>
        generateText({
          model,
          system: systemPrompt(preset, config.system, perMessage),
          messages: [...history, message],
          tools,
          stopWhen: stepCountIs(config.maxSteps),
          abortSignal: turn.signal,
          // Megabytes of a call's arguments are sent once, not again with every later step.
          prepareStep: ({ messages }) => {
            const cut = cutToolInputs(messages);
            return cut === messages ? undefined : { messages: cut };
          },
          maxRetries: config.maxRetries,
          temperature: config.temperature,
          onStepFinish: (step) => {
            steps++;
            if (config.progress === "verbose" && step.toolCalls.length > 0 && step.text.trim()) {
              io.progress(`💭 ${redact(clip(step.text.trim(), 300))}`);
            }
          },
        });
      let result: Awaited<ReturnType<typeof generate>>;
      try {
        result = await generate(user);
      } catch (err) {
        // Nothing ran yet (no step finished), so asking again without the images is safe.
        if (shown.parts.length === 0 || steps > 0 || turn.signal.aborted || !rejectsImages(err)) throw err;
        log.warn({ model: config.model }, "the model turned down image input; sending the image paths only");
        user = userMessage(
          `${prompt}\n[the image could not be shown to you: this model does not take images]`,
          [],
        );
        result = await generate(user);
        if (config.vision === "auto") visionOn = false;
      }
      const answered = result;
      const open = session;
      if (open) {
        await perChat.run(open.key, async () => {
          // Written back only after a successful turn; a `/new` during the turn wins. Image bytes
          // are dropped from history: later turns get the path note, not the image again.
          if (!pool.has(open.key)) return;
          open.history = boundHistory(
            withoutImages([...history, user, ...answered.response.messages]),
            historyBounds,
          );
          await store?.put(
            input.contact.accountId,
            storeUser(input.contact),
            AGENT_NAME,
            open.history,
            now(),
          );
        });
      }
      let text = result.text.trim();
      if (!text) {
        text =
          result.steps.length >= config.maxSteps
            ? wordsOf(input.contact).stoppedAfterSteps({ steps: config.maxSteps })
            : wordsOf(input.contact).noAnswer;
      }
      log.info(
        { preset: preset.name, steps: result.steps.length, ms: now() - started, mode: config.session.mode },
        "turn done",
      );
      return { text: capReply(text, config.maxOutputChars, redact, wordsOf(input.contact)) };
    } catch (err) {
      const e = toAgentError(err, {
        aborted: input.signal.aborted,
        timedOut,
        maxTurnMs: config.maxTurnMs,
        settings,
        redact,
      });
      log.warn({ code: e.code, retryable: e.isRetryable, err: e.message }, "turn failed");
      throw e;
    } finally {
      clearTimeout(wall);
      input.signal.removeEventListener("abort", onAbort);
      if (session) pool.release(session);
      if (temp) await temp.dispose();
    }
  }

  return {
    name: AGENT_NAME,
    config,
    run,
    presetFor,
    sendFilePermission: async (contact) => (await presetFor(contact)).preset.send_file,
    openSessions: () => pool.size,
    async reset(contact) {
      const key = sessionKey(contact);
      await perChat.run(key, async () => {
        pool.reset(key);
        await store?.remove(contact.accountId, storeUser(contact), AGENT_NAME);
      });
    },
    async close() {
      pool.closeAll();
    },
  };
}

/** io.ask with our own deadline too, so a gateway that never answers cannot hang the turn. */
async function askWithDeadline(
  io: AgentIO,
  question: string,
  options: AskOptions & { timeoutMs: number },
  signal?: AbortSignal,
): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), options.timeoutMs + 5_000);
    onAbort = () => resolve(undefined);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([io.ask(question, options).catch(() => undefined), deadline]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}

function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/**
 * The reply cut to `max` characters and redacted. It is cut first (with room for a secret that
 * straddles the cut): a 4 MB answer is not scanned for secrets three times to be cut to 8 000.
 */
function capReply(text: string, max: number, redact: (t: string) => string, w: AgentWords): string {
  if (text.length <= max) return redact(text);
  return `${redact(text.slice(0, max + 512)).slice(0, max)}\n${w.replyCut({ max })}`;
}

function toAgentError(
  err: unknown,
  ctx: {
    aborted: boolean;
    timedOut: boolean;
    maxTurnMs: number;
    settings: ModelSettings | undefined;
    redact: (t: string) => string;
  },
): BuiltinAgentError {
  if (err instanceof BuiltinAgentError) return err;
  if (ctx.timedOut) {
    return new BuiltinAgentError(
      "TURN_TIMEOUT",
      `the turn took longer than ${duration(ctx.maxTurnMs)} and was stopped (agent.maxTurnMs)`,
    );
  }
  if (ctx.aborted) return new BuiltinAgentError("TURN_ABORTED", "the turn was stopped");
  const tooLarge = responseTooLarge(err);
  if (tooLarge) return new BuiltinAgentError("MODEL_ERROR", tooLarge.message);
  const where = ctx.settings ? ` at ${new URL(ctx.settings.baseUrl).host}` : "";
  // After retries the SDK wraps the last provider error; judge by that one.
  if (RetryError.isInstance(err)) err = err.lastError;
  if (APICallError.isInstance(err)) {
    const status = err.statusCode;
    if (status === 401 || status === 403) {
      const src = ctx.settings?.keySource ?? "the API key";
      return new BuiltinAgentError(
        "MODEL_ERROR",
        `the model${where} rejected the API key (HTTP ${status}): check ${src}`,
      );
    }
    if (status === undefined) {
      return new BuiltinAgentError(
        "MODEL_UNREACHABLE",
        `cannot reach the model${where}: is it running, and is agent.baseUrl right?`,
      );
    }
    return new BuiltinAgentError(
      "MODEL_ERROR",
      `the model${where} failed (HTTP ${status}): ${clip(ctx.redact(err.message), 300)}`,
      { isRetryable: err.isRetryable },
    );
  }
  const message = messageOf(err);
  return new BuiltinAgentError("MODEL_ERROR", `the agent failed: ${clip(ctx.redact(message), 300)}`);
}
