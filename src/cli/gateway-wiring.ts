/**
 * The parts of `createGateway`'s options that come from config.json beyond the gateway section:
 * media (downloads, transcription, outbound file checks in the contact's workspace) and the
 * `/unlock` `/lock` commands. Kept out of start.ts so it can be tested without a daemon.
 */
// The light modules only: the AI SDK loads when the built-in agent is chosen (agents.ts).
import { permissionsConfigSchema } from "../agent/presets.js";
import type { Contact } from "../agent/types.js";
import { unlockCommands, unlockStoreFromContacts } from "../agent/unlock.js";
import {
  migrateWorkspaceFolders,
  type WorkspaceLocation,
  workspaceDirFor,
  workspacesRootOf,
} from "../agent/workspace.js";
import type { Config } from "../config/index.js";
import type { DispatchOptions } from "../gateway/dispatcher.js";
import type { GatewayOptions } from "../gateway/gateway.js";
import type { ILinkTransportOptions } from "../gateway/ilink-transport.js";
import {
  createMediaResolver,
  createTranscriber,
  type MediaLimits,
  type Transcriber,
} from "../gateway/media/index.js";
import type { RetentionSettings } from "../gateway/retention.js";
import { type AsyncStore, toAsyncStore } from "../store/async.js";
import type { HomePaths } from "../store/index.js";
import type { Store } from "../store/types.js";
import type { Logger } from "../util/logger.js";
import type { AgentChoice } from "./agents.js";
import { CliError } from "./errors.js";

export interface MediaWiring {
  /** For `createILinkTransport`: the content-sniffed bubble kind uses the same limits. */
  transport: Pick<ILinkTransportOptions, "mediaLimits">;
  /** `GatewayOptions.media`: inbound download to `<home>/media` and the workspace inbox. */
  media: NonNullable<GatewayOptions["media"]>;
  /** Outbound checks in the dispatcher (`<<FILE:>>` tags, `AgentIO.sendFile`, long replies), and where quoted media is found. */
  dispatch: Pick<DispatchOptions, "workspaceDirFor" | "mediaLimits" | "maxReplyBubbles" | "mediaDir">;
  /** The transcription endpoint's host, for the banner (never the key). */
  transcriptionHost?: string;
}

/** Where the chosen agent keeps each contact's workspace: files are exchanged there. */
export function workspaceLocation(paths: HomePaths, choice: AgentChoice): WorkspaceLocation {
  const ws = choice.kind === "builtin" ? choice.builtin?.workspace : undefined;
  return {
    home: paths.home,
    ...(ws?.root ? { root: ws.root } : {}),
    ...(ws?.ownerDir ? { ownerDir: ws.ownerDir } : {}),
  };
}

/**
 * Before the gateway starts: folders the old naming rule gave the store's accounts and contacts
 * move to their new names (see README, "Workspaces"), each move and each folder left alone logged.
 */
export async function migrateWorkspaces(
  store: Store | AsyncStore,
  paths: HomePaths,
  choice: AgentChoice,
  log: Logger,
): Promise<void> {
  const s = toAsyncStore(store);
  const ids: { accountId: string; userIds: string[] }[] = [];
  for (const a of await s.accounts.list()) {
    ids.push({ accountId: a.id, userIds: (await s.contacts.list(a.id)).map((c) => c.userId) });
  }
  const root = workspacesRootOf(workspaceLocation(paths, choice));
  const r = await migrateWorkspaceFolders(root, ids);
  for (const m of r.renamed) log.info(m, "workspace folder renamed to its collision-free name");
  for (const k of r.kept) log.warn(k, "workspace folder of the old naming rule left where it is");
}

export function mediaWiring(
  config: Config,
  paths: HomePaths,
  choice: AgentChoice,
  env: NodeJS.ProcessEnv = process.env,
): MediaWiring {
  const where = workspaceLocation(paths, choice);
  const wsFor = (c: Contact) => workspaceDirFor(c, where);
  const limits: Partial<MediaLimits> = stripUndefined(config.media.limits ?? {});
  const transcriber = transcriberFrom(config, env);
  const wiring: MediaWiring = {
    transport: { mediaLimits: limits },
    media: (deps) =>
      createMediaResolver({
        mediaDir: paths.mediaDir,
        workspaceDirFor: wsFor,
        downloaderFor: (id) => deps.transportOf(id).media,
        allowHosts: config.media.allowHosts,
        limits,
        notify: deps.notify,
        languageFor: deps.languageFor,
        ...(transcriber ? { transcriber } : {}),
      }),
    dispatch: {
      workspaceDirFor: wsFor,
      mediaLimits: limits,
      maxReplyBubbles: config.media.maxReplyBubbles,
      mediaDir: paths.mediaDir,
    },
  };
  const t = config.media.transcription;
  if (t) wiring.transcriptionHost = new URL(t.baseUrl).host;
  return wiring;
}

function transcriberFrom(config: Config, env: NodeJS.ProcessEnv): Transcriber | undefined {
  const t = config.media.transcription;
  if (!t) return undefined;
  let apiKey = t.apiKey;
  if (!apiKey && t.apiKeyEnv) {
    apiKey = env[t.apiKeyEnv] || undefined;
    if (!apiKey) {
      throw new CliError(
        `media.transcription.apiKeyEnv names ${t.apiKeyEnv}, which is not set: export it, or remove media.transcription from config.json`,
      );
    }
  }
  return createTranscriber({
    baseUrl: t.baseUrl,
    model: t.model,
    ...(apiKey ? { apiKey } : {}),
    ...(t.language ? { language: t.language } : {}),
    ...(t.timeoutMs === undefined ? {} : { timeoutMs: t.timeoutMs }),
  });
}

/** config.json's `history` section in the pruner's units. */
export function retentionFrom(history: Config["history"]): RetentionSettings {
  return {
    maxAgeMs: Math.round(history.retentionDays * 24 * 60 * 60 * 1000),
    maxMessagesPerAccount: history.maxMessagesPerAccount,
  };
}

/** `/unlock` `/lock` against the permissions in effect, with unlock state kept on the contact record. */
export function unlockWiring(
  config: Config,
  store: Store | AsyncStore,
): NonNullable<DispatchOptions["unlock"]> {
  const permissions = permissionsConfigSchema.parse(config.permissions ?? config.builtin?.permissions ?? {});
  return unlockCommands(unlockStoreFromContacts(toAsyncStore(store).contacts), permissions);
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
