/**
 * The built-in agent's configuration (the `agent` section of config.json when `--agent builtin`).
 * Every field but `model` has a default; `builtinAgentConfigSchema.parse({ model: "…" })` is valid.
 */
import { z } from "zod";
import { permissionsConfigSchema } from "../presets.js";
import { DEFAULT_MAX_RESPONSE_BYTES } from "./capped-fetch.js";

export const PROVIDERS = ["openai-compatible", "openai", "anthropic"] as const;
export type ProviderKind = (typeof PROVIDERS)[number];

/** Images to the model as image parts: `auto` decides by provider and model (see vision.ts). */
export const VISION_MODES = ["auto", "on", "off"] as const;
export type VisionMode = (typeof VISION_MODES)[number];

export const PROGRESS_MODES = ["off", "tools", "verbose"] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

const ms = (def: number) => z.number().int().positive().default(def);

export const builtinAgentConfigSchema = z.object({
  /** `openai-compatible` covers DeepSeek, Qwen, Kimi, GLM, Ollama, vLLM, llama.cpp server, … */
  provider: z.enum(PROVIDERS).default("openai-compatible"),
  model: z.string().min(1),
  /** e.g. `https://api.deepseek.com/v1`, `http://127.0.0.1:11434/v1` (Ollama). */
  baseUrl: z.url().optional(),
  /** Prefer `apiKeyEnv`: a key in config.json is a key on disk. */
  apiKey: z.string().min(1).optional(),
  /** Name of the environment variable holding the key, e.g. `DEEPSEEK_API_KEY`. */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional(),
  /** Extra instructions appended to the built-in system prompt. */
  system: z.string().optional(),
  temperature: z.number().min(0).max(2).optional(),
  /** Retries of a failed model call (the AI SDK backs off exponentially from 2 s). */
  maxRetries: z.number().int().min(0).max(5).default(1),
  /** Tool-loop steps per turn (stopWhen stepCountIs). */
  maxSteps: z.number().int().positive().default(20),
  /** Wall time of one turn; the turn is aborted after it. */
  maxTurnMs: ms(10 * 60_000),
  /** Longest reply text; longer replies are cut with a note. */
  maxOutputChars: z.number().int().positive().default(8000),
  /** Largest model answer read (bytes, see capped-fetch.ts); a bigger one fails the turn. */
  maxResponseBytes: z.number().int().min(65_536).default(DEFAULT_MAX_RESPONSE_BYTES),
  /** Progress notes in the chat: none, one line per tool call, or tool calls plus interim text. */
  progress: z.enum(PROGRESS_MODES).default("tools"),
  /**
   * Images to the model as image parts: `auto` (openai and anthropic; openai-compatible unless a
   * known text-only model, see vision.ts), `on`, or `off` (the workspace path as text only).
   */
  vision: z.enum(VISION_MODES).default("auto"),
  /** Largest image sent as an image part; a bigger one goes as its path with a note. */
  imageMaxBytes: z.number().int().positive().default(5_000_000),
  /** Largest image sent as an image part by its pixel count (read from the header, before decoding). */
  imageMaxPixels: z.number().int().positive().default(50_000_000),
  session: z
    .object({
      /** `per-contact`: memory across messages; `per-message`: a fresh agent in a temp dir each time. */
      mode: z.enum(["per-contact", "per-message"]).default("per-contact"),
      idleMs: ms(30 * 60_000),
      /** Open sessions kept at once; the least recently used is closed beyond this. */
      maxOpen: z.number().int().positive().default(100),
      /** Messages of history kept per session (older turns are dropped whole). */
      maxHistoryMessages: z.number().int().positive().default(60),
      /**
       * Characters of history kept per session (its JSON; older turns are dropped whole, and
       * each text, tool input or tool output in it is cut to 8 000 characters), see history.ts.
       * 100 000 characters are about 25 000 tokens, sent to the model and stored on every turn.
       */
      maxHistoryChars: z.number().int().min(10_000).default(100_000),
    })
    .prefault({}),
  workspace: z
    .object({
      /** Parent of per-contact workspaces; default `<home>/workspaces`. */
      root: z.string().optional(),
      /** The owner's workspace, e.g. a project checkout; default: the per-contact directory. */
      ownerDir: z.string().optional(),
    })
    .prefault({}),
  tools: z
    .object({
      readMaxBytes: z.number().int().positive().default(200_000),
      writeMaxBytes: z.number().int().positive().default(2_000_000),
      searchMaxResults: z.number().int().positive().default(100),
      commandTimeoutMs: ms(120_000),
      commandOutputChars: z.number().int().positive().default(20_000),
      fetchTimeoutMs: ms(20_000),
      fetchMaxBytes: z.number().int().positive().default(2_000_000),
      /** `address:port` pairs fetch_url may reach despite being private (an intranet wiki, say). */
      fetchAllowAddresses: z
        .array(
          z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):\d{1,5}$/, {
            message:
              'each entry is an IP address with its port, e.g. "10.0.0.5:8080" or "[fd00::5]:443" (a bare address would open every port)',
          }),
        )
        .default([]),
    })
    .prefault({}),
  permissions: permissionsConfigSchema.prefault({}),
});

export type BuiltinAgentConfig = z.infer<typeof builtinAgentConfigSchema>;
export type BuiltinAgentConfigInput = z.input<typeof builtinAgentConfigSchema>;
