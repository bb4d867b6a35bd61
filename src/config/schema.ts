/**
 * `$WXAGENT_HOME/config.json`: every key optional, validated with zod so a typo gets a message
 * naming the key and the file instead of a silent default.
 */
import { z } from "zod";
import { acpSettingsSchema } from "../agent/acp/config.js";
import { builtinAgentConfigSchema } from "../agent/builtin/config.js";
import { permissionsConfigSchema } from "../agent/presets.js";
import { profilesConfigShape } from "../gateway/policy/profile.js";
import { DEFAULT_ADMIN_PORT, GATEWAY_DEFAULTS as G } from "./defaults.js";

export const gatewaySettingsSchema = z
  .object({
    /** Agent turns running at once, across contacts and accounts. */
    maxTurns: z.number().int().min(1).max(1000).default(G.maxTurns),
    /** Least gap between two bubbles to one contact. */
    spacingMs: z.number().int().min(0).max(60_000).default(G.spacingMs),
    /** Split replies at this many characters (docs/protocol.md §8.2.5: ≤ 2000 is safe). */
    chunkChars: z.number().int().min(100).max(4000).default(G.chunkChars),
    /** Bot messages per context token before WeChat answers -2 (about 10). */
    quotaPerToken: z.number().int().min(2).max(100).default(G.quotaPerToken),
    /** A turn shorter than this shows no typing indicator. */
    typingAfterMs: z.number().int().min(0).default(G.typingAfterMs),
    /** How long `stop` waits for turns in flight before aborting them. */
    drainTimeoutMs: z.number().int().min(0).default(G.drainTimeoutMs),
    /** A turn still running after this long is stopped and the contact told; unset: no limit (/stop always works). */
    turnTimeoutMs: z.number().int().min(1000).optional(),
  })
  .strict();

const bytes = z.number().int().positive();

export const mediaSettingsSchema = z
  .object({
    /** Extra CDN hosts trusted for inbound media links (the iLink CDN is always trusted). */
    allowHosts: z.array(z.string().min(1)).default([]),
    /** Voice to text through an OpenAI-compatible `/audio/transcriptions` endpoint; none: ask to type. */
    transcription: z
      .object({
        baseUrl: z.url(),
        /** Prefer `apiKeyEnv`, so the key stays out of config.json. */
        apiKey: z.string().min(1).optional(),
        apiKeyEnv: z.string().min(1).optional(),
        model: z.string().min(1),
        /** ISO-639-1 hint, e.g. `zh`. */
        language: z.string().min(2).optional(),
        timeoutMs: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    /** Size limits in bytes (defaults: inbound 100 MiB, outbound file 25 MiB, outbound image 10 MiB). */
    limits: z
      .object({
        maxInboundBytes: bytes.optional(),
        maxFileBytes: bytes.optional(),
        maxImageBytes: bytes.optional(),
        maxNameChars: z.number().int().min(16).max(255).optional(),
        /** Longest voice note decoded and transcribed (default 60 000); longer ones are refused before decoding. */
        maxVoiceMs: z.number().int().min(1000).max(600_000).optional(),
      })
      .strict()
      .optional(),
    /** A reply needing more bubbles than this goes as a short summary plus a `.md` file. */
    maxReplyBubbles: z.number().int().min(1).max(50).default(6),
  })
  .strict();

export const historySettingsSchema = z
  .object({
    /** Answered messages older than this many days are deleted (with their media); 0: keep forever. */
    retentionDays: z.number().min(0).max(36_500).default(30),
    /** Per account, the newest this many received and this many sent messages are kept; 0: no limit. */
    maxMessagesPerAccount: z.number().int().min(0).default(100_000),
  })
  .strict();

/** Several gateway nodes on one PostgreSQL store (README "More than one machine"). */
export const clusterSettingsSchema = z
  .object({
    /** This node's name in the lease table and `wxagent status` (`WXAGENT_NODE_ID` wins); default host-pid. */
    nodeId: z.string().min(1).max(100).optional(),
    /** How long an account's lease (and a node's heartbeat) lasts unrenewed: a dead node's accounts move after this. */
    leaseTtlMs: z.number().int().min(1_000).max(600_000).default(6_000),
    /** How often a node renews its leases and rebalances; at most a third of `leaseTtlMs`. */
    renewMs: z.number().int().min(200).max(200_000).default(2_000),
  })
  .strict()
  .refine((c) => c.renewMs * 3 <= c.leaseTtlMs, {
    message:
      "cluster.renewMs must be at most a third of cluster.leaseTtlMs (a lease must survive a missed renewal)",
  });

export const scheduleSettingsSchema = z
  .object({
    /** A firing missed by less than this while the gateway was down runs at start; older ones are skipped with a note. */
    graceMs: z.number().int().min(0).default(3_600_000),
    /** How long before a contact's 24 h window closes the bot warns them about jobs after it. */
    warnLeadMs: z
      .number()
      .int()
      .min(60_000)
      .default(2 * 3_600_000),
    /** The language of the ⏰ notes: the account's (`account`, as every gateway text), the contact's latest message's (`contact`), `en` or `zh-CN`. */
    language: z.enum(["account", "contact", "en", "zh-CN"]).default("account"),
    /** Jobs a contact may make through the agent, and their least interval. */
    maxJobsPerContact: z.number().int().min(1).max(1000).default(20),
    contactMinIntervalMs: z
      .number()
      .int()
      .min(60_000)
      .default(15 * 60_000),
  })
  .strict();

const homeRoute = z.enum(["chat", "admin", "off"]);
export const homeSettingsSchema = z
  .object({
    /** Per event kind: `chat` (owner's chat, admin UI, logs), `admin` (admin UI, logs), `off` (logs). */
    events: z
      .object({
        "account-expired": homeRoute,
        "pairing-request": homeRoute,
        "approval-waiting": homeRoute,
        "agent-failing": homeRoute,
        "schedule-undelivered": homeRoute,
      })
      .partial()
      .strict()
      .default({}),
    dedupMs: z.number().int().min(0).default(3_600_000),
    maxChatPerHour: z.number().int().min(0).max(100).default(6),
  })
  .strict();

export const echoSettingsSchema = z
  .object({
    delayMs: z.number().int().min(0).default(0),
  })
  .strict();

export const configSchema = z
  .object({
    /**
     * Where the data lives: `sqlite` (the default, `$WXAGENT_HOME/wxagent.db`) or a PostgreSQL URL
     * (`postgres://user:password@host:5432/db`) for several nodes sharing one database.
     * `WXAGENT_STORE` overrides it (config/store.ts).
     */
    store: z
      .string()
      .refine((s) => s === "sqlite" || /^postgres(ql)?:\/\//i.test(s), {
        message: 'expected "sqlite" or a postgres:// URL',
      })
      .optional(),
    /** Which agent answers: `echo` (default), `builtin` (a model with tools) or `acp` (Claude Code, Codex …). */
    agent: z.enum(["echo", "builtin", "acp"]).optional(),
    echo: echoSettingsSchema.default({ delayMs: 0 }),
    gateway: gatewaySettingsSchema.default(gatewaySettingsSchema.parse({})),
    /** Built-in agent: provider, model, tools, permission presets (see README "The built-in agent"). */
    builtin: builtinAgentConfigSchema.optional(),
    /** ACP agent: `agent` (claude, codex, gemini, qwen, opencode) or `command` + `args`, scope, pool size. */
    acp: acpSettingsSchema.optional(),
    /**
     * Permission presets per contact and group, shared by the built-in and ACP agents (owner,
     * allowlist, defaultPreset, contacts, groups, askTo, unlock). `builtin.permissions` is the
     * older place for the same thing; this one wins when both are set.
     */
    permissions: permissionsConfigSchema.optional(),
    /** Inbound media download, voice transcription, outbound file limits. */
    media: mediaSettingsSchema.default(mediaSettingsSchema.parse({})),
    /** How long message history is kept (README "History and retention"). */
    history: historySettingsSchema.default(historySettingsSchema.parse({})),
    admin: z
      .object({ port: z.number().int().min(0).max(65535).default(DEFAULT_ADMIN_PORT) })
      .strict()
      .default({ port: DEFAULT_ADMIN_PORT }),
    /** Gateway nodes sharing a PostgreSQL store: node id, lease TTL and renewal. */
    cluster: clusterSettingsSchema.default(clusterSettingsSchema.parse({})),
    /** Scheduled messages: grace for missed firings, the window warning, language, contact limits. */
    schedule: scheduleSettingsSchema.default(scheduleSettingsSchema.parse({})),
    /** The home channel: where operator events go, per kind. */
    home: homeSettingsSchema.default(homeSettingsSchema.parse({})),
    /** Access policies and per-account profiles (`defaults`, `accounts`). */
    ...profilesConfigShape,
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type GatewaySettings = z.infer<typeof gatewaySettingsSchema>;
export type MediaSettings = z.infer<typeof mediaSettingsSchema>;
export type HistorySettings = z.infer<typeof historySettingsSchema>;
