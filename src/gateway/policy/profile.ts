/**
 * Per-account profiles: who may talk to the bot, how it is addressed in groups, how fast it may be
 * written to, and which agent and permission preset answer. One process can so serve a read-only
 * customer-service bot beside a full-rights admin bot.
 *
 * Precedence, lowest to highest (later wins, key by key):
 *   1. built-in defaults (`PROFILE_DEFAULTS`)
 *   2. the config's top-level `agent` (only for `agent`)
 *   3. the config's `defaults` block
 *   4. the config's `accounts["<accountId>"]` block
 *   5. command-line overrides (`--dm-policy`, `--agent`), which apply to every account
 * Scalars and arrays are replaced whole (an account's `allowFrom` does not add to the defaults'
 * one: a customer-service bot must be able to have a shorter list than the admin bot). The two
 * small objects `groups` and `rateLimit` merge one level deep, so an account may change only
 * `rateLimit.perContact` and keep the default `perAccount`.
 */
import { z } from "zod";
import { LANGUAGES, type Lang, systemLanguage } from "../../shared/i18n.js";

export const DM_POLICIES = ["open", "allowlist", "pairing", "disabled"] as const;
export type DmPolicy = (typeof DM_POLICIES)[number];

export const GROUP_POLICIES = ["disabled", "allowlist", "open"] as const;
export type GroupPolicy = (typeof GROUP_POLICIES)[number];

export const AGENT_KINDS = ["echo", "builtin", "acp"] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

export const rateRuleSchema = z
  .object({
    /** Messages accepted within any window of `windowMs`. */
    count: z.number().int().min(1).max(100_000),
    windowMs: z.number().int().min(1000).max(86_400_000),
  })
  .strict();
export type RateRule = z.infer<typeof rateRuleSchema>;

const userIds = z.array(z.string().trim().min(1));

export const profileSchema = z
  .object({
    /** Which agent answers on this account (else the gateway's `--agent` / top-level `agent`). */
    agent: z.enum(AGENT_KINDS).optional(),
    /** Default permission preset for contacts of this account (a contact's own preset wins). */
    preset: z.string().trim().min(1).optional(),
    /** Direct messages: `open`, `allowlist`, `pairing` (default) or `disabled` (owner only). */
    dmPolicy: z.enum(DM_POLICIES).optional(),
    /** Group messages: `disabled` (default), `allowlist` (groups.allow) or `open`. */
    groupPolicy: z.enum(GROUP_POLICIES).optional(),
    /** User ids always allowed to write directly (besides the owner and approved contacts). */
    allowFrom: userIds.optional(),
    groups: z
      .object({
        /** Group ids the bot answers in under `groupPolicy: "allowlist"`. */
        allow: userIds.optional(),
      })
      .strict()
      .optional(),
    /** Names that address the bot in a group as `@name` (the account's own name always counts). */
    mentionNames: userIds.optional(),
    /** Text prefixes that address the bot in a group, e.g. `/ai`. */
    prefixes: userIds.optional(),
    rateLimit: z
      .object({
        perContact: rateRuleSchema.optional(),
        perAccount: rateRuleSchema.optional(),
      })
      .strict()
      .optional(),
    /** What the gateway itself says to contacts (pairing, /help, notices): `en` or `zh-CN`; unset: the system's locale. */
    language: z.enum(LANGUAGES, { error: () => `language must be ${LANGUAGES.join(" or ")}` }).optional(),
  })
  .strict();
export type Profile = z.infer<typeof profileSchema>;

/**
 * The config keys this module owns. The lead spreads `profilesConfigShape` into the root config
 * object (`z.object({ ...existing, ...profilesConfigShape })`), or uses the schema alone.
 */
export const profilesConfigShape = {
  /** Applied to every account, under each account's own block. */
  defaults: profileSchema.optional(),
  /** Per account id. */
  accounts: z.record(z.string().min(1), profileSchema).optional(),
};
export const profilesConfigSchema = z.object(profilesConfigShape);

/** What `resolveProfile` reads: the validated config (extra keys are ignored). */
export interface ProfilesConfig {
  agent?: AgentKind | undefined;
  defaults?: Profile | undefined;
  accounts?: Record<string, Profile> | undefined;
}

/** Command-line flags that override every account. */
export interface ProfileOverrides {
  dmPolicy?: DmPolicy | undefined;
  groupPolicy?: GroupPolicy | undefined;
  agent?: AgentKind | undefined;
}

/** A profile with every policy field decided. */
export interface ResolvedProfile {
  accountId: string;
  /** Undefined: the gateway's default agent. */
  agent: AgentKind | undefined;
  /** Undefined: the agent's default preset. */
  preset: string | undefined;
  dmPolicy: DmPolicy;
  groupPolicy: GroupPolicy;
  allowFrom: readonly string[];
  groupAllow: readonly string[];
  mentionNames: readonly string[];
  prefixes: readonly string[];
  rateLimit: { perContact: RateRule; perAccount: RateRule };
  /** The language of the gateway's own words to contacts. */
  language: Lang;
}

export const PROFILE_DEFAULTS = Object.freeze({
  dmPolicy: "pairing" as DmPolicy,
  groupPolicy: "disabled" as GroupPolicy,
  perContact: Object.freeze({ count: 10, windowMs: 60_000 }),
  perAccount: Object.freeze({ count: 120, windowMs: 60_000 }),
});

/** The effective profile of one account (see the precedence at the top of this file). */
export function resolveProfile(
  config: ProfilesConfig,
  accountId: string,
  overrides: ProfileOverrides = {},
): ResolvedProfile {
  const d = config.defaults ?? {};
  const a = config.accounts?.[accountId] ?? {};
  const pick = <K extends keyof Profile>(key: K): Profile[K] => a[key] ?? d[key];
  return {
    accountId,
    agent: overrides.agent ?? pick("agent") ?? config.agent,
    preset: pick("preset"),
    dmPolicy: overrides.dmPolicy ?? pick("dmPolicy") ?? PROFILE_DEFAULTS.dmPolicy,
    groupPolicy: overrides.groupPolicy ?? pick("groupPolicy") ?? PROFILE_DEFAULTS.groupPolicy,
    allowFrom: pick("allowFrom") ?? [],
    groupAllow: a.groups?.allow ?? d.groups?.allow ?? [],
    mentionNames: pick("mentionNames") ?? [],
    prefixes: pick("prefixes") ?? [],
    rateLimit: {
      perContact: a.rateLimit?.perContact ?? d.rateLimit?.perContact ?? PROFILE_DEFAULTS.perContact,
      perAccount: a.rateLimit?.perAccount ?? d.rateLimit?.perAccount ?? PROFILE_DEFAULTS.perAccount,
    },
    language: pick("language") ?? systemLanguage(),
  };
}

/** `profileFor` for `createAccessPolicy`, resolving once per account and caching the result. */
export function profileResolver(
  config: ProfilesConfig,
  overrides: ProfileOverrides = {},
): (accountId: string) => ResolvedProfile {
  const cache = new Map<string, ResolvedProfile>();
  return (accountId) => {
    let p = cache.get(accountId);
    if (!p) {
      p = resolveProfile(config, accountId, overrides);
      cache.set(accountId, p);
    }
    return p;
  };
}
