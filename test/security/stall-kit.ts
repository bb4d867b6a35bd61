/**
 * What test/security/stall.test.ts and bench/stall.ts share: the gateway wired as `wxagent start`
 * wires it (built-in agent, media, transcription when asked for), the worst inputs a read-only
 * contact can send, a scripted model that tells the attacker's turns from everyone else's by the
 * text of the message, and a local fake transcription endpoint.
 */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { encode } from "silk-wasm";
import type {
  ChatRequestBody,
  FakeStep,
  RecordedRequest,
} from "../../src/agent/builtin/testing/fake-openai.js";
import type { Agent } from "../../src/agent/types.js";
import { type AgentChoice, buildAgent } from "../../src/cli/agents.js";
import { mediaWiring } from "../../src/cli/gateway-wiring.js";
import { type Config, configSchema } from "../../src/config/index.js";
import { createGateway, createILinkTransport, type Gateway } from "../../src/gateway/index.js";
import { createAccessPolicy, profileResolver } from "../../src/gateway/policy/index.js";
import { asyncStore } from "../../src/store/async.js";
import { ensureHome, type HomePaths } from "../../src/store/index.js";
import { openStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/types.js";

// ---- the worst inputs ---------------------------------------------------------------------------

/** The search tool matches the first 2000 characters of a line: lines of that length cost the most. */
export const REDOS_LINE = `${"a".repeat(1999)}!`;
export const REDOS_PATTERN = "^(a+)+$";

/** `bytes` of "aaaa…!" lines: a backtracking engine needs 2^1999 steps on each. */
export function redosFile(bytes = 1_000_000): Buffer {
  const line = `${REDOS_LINE}\n`;
  return Buffer.from(line.repeat(Math.floor(bytes / line.length)));
}

/** Tencent's SILK header, then nothing but 0-byte packets: each decodes to 20 ms (1 MiB: 175 min). */
export function silkBomb(bytes = 1 << 20): Buffer {
  const b = Buffer.alloc(bytes);
  b.write("\x02#!SILK_V3", 0, "latin1");
  return b;
}

/** A real SILK note (a 440 Hz tone) of `seconds`, as WeChat sends one. */
export async function silkTone(seconds: number): Promise<Buffer> {
  const pcm = Buffer.alloc(24_000 * 2 * seconds);
  for (let i = 0; i < pcm.length / 2; i++)
    pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 24_000)), i * 2);
  return Buffer.from((await encode(pcm, 24_000)).data);
}

/** A PNG of a few hundred bytes whose header claims `width` × `height` (40 GB of RGBA decoded). */
export function pngClaiming(width = 100_000, height = 100_000): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write("IHDR", 4, "latin1");
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr.set([8, 6, 0, 0, 0], 16); // 8-bit RGBA
  return Buffer.concat([signature, ihdr, Buffer.alloc(512)]);
}

/** A message of 300 000 spaces between two words (the mention and FILE-tag trims were n²). */
export const SPACES_TEXT = `hi${" ".repeat(300_000)}x`;

/** A file name that is one long run of dots and blanks before a last letter (the name trims were n²). */
export const DOTS_NAME = `x${". ".repeat(150_000)}y.txt`;

// ---- the scripted model ---------------------------------------------------------------------

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content.map((p) => (typeof p?.text === "string" ? (p.text as string) : "")).join("\n");
  return "";
}

/** The text of the last user message of a completion request, and the model steps since it. */
export function turnOf(body: ChatRequestBody): { text: string; step: number } {
  const messages = body.messages ?? [];
  let last = -1;
  for (let i = messages.length - 1; i >= 0; i--)
    if (messages[i]?.role === "user") {
      last = i;
      break;
    }
  const step = messages.slice(last + 1).filter((m) => m.role === "assistant").length;
  return { text: last === -1 ? "" : textOf(messages[last]?.content), step };
}

/** A turn whose user message contains `marker` gets `steps`, in order; then "done". */
export interface Route {
  marker: string;
  steps: FakeStep[];
}

/**
 * A scripted model for many contacts at once: each request is answered from the route whose
 * marker its user message contains; any other message gets `re: <its first line>`.
 */
export function routedModel(routes: () => readonly Route[]): (request: RecordedRequest) => FakeStep {
  return (request) => {
    const { text, step } = turnOf((request.body ?? {}) as ChatRequestBody);
    const route = routes().find((r) => text.includes(r.marker));
    if (route) return route.steps[step] ?? { text: "done" };
    return { text: `re: ${text.split("\n").at(-1)?.slice(0, 200) ?? ""}` };
  };
}

// ---- a fake transcription endpoint ------------------------------------------------------------

export interface FakeTranscriber {
  /** `http://127.0.0.1:PORT/v1` */
  baseUrl: string;
  /** Bytes of each request body received (the multipart form with the WAV). */
  calls: number[];
  close(): Promise<void>;
}

/** `POST /v1/audio/transcriptions` → `{"text":"hello"}`, every request recorded. */
export async function startFakeTranscriber(): Promise<FakeTranscriber> {
  const calls: number[] = [];
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on("data", (c: Buffer) => {
      bytes += c.length;
    });
    req.on("end", () => {
      calls.push(bytes);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ text: "hello" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- the gateway, as `wxagent start` builds it ---------------------------------------------

export interface StallAccount {
  id: string;
  baseUrl: string;
  cdnBaseUrl: string;
  token: string;
  ownerUserId: string;
}

export interface StallGatewayOptions {
  /** `$WXAGENT_HOME` (an empty directory). */
  home: string;
  account: StallAccount;
  /** The scripted model's `/v1`. */
  modelBaseUrl: string;
  /** Configure media.transcription to this endpoint (none: voice notes are never decoded). */
  transcriptionBaseUrl?: string;
  /** The simulator's in-process fetch (tests); the network otherwise. */
  fetch?: typeof fetch;
  /** Extra config.json keys (merged over the defaults below). */
  config?: Record<string, unknown>;
}

export interface StallGateway {
  gateway: Gateway;
  agent: Agent;
  store: Store;
  paths: HomePaths;
  config: Config;
  close(): Promise<void>;
}

/** Everyone is read-only (the default preset); the gateway answers every contact (dmPolicy open). */
export async function startStallGateway(o: StallGatewayOptions): Promise<StallGateway> {
  const paths = ensureHome(o.home);
  const store = openStore(paths.dbPath, { groupCommit: true });
  store.accounts.upsert({ ...o.account, state: "active" });
  const config: Config = configSchema.parse({
    agent: "builtin",
    builtin: {
      provider: "openai-compatible",
      model: "fake-model",
      baseUrl: o.modelBaseUrl,
      apiKey: "sk-stall-test",
      maxRetries: 0,
    },
    ...(o.transcriptionBaseUrl
      ? { media: { transcription: { baseUrl: o.transcriptionBaseUrl, model: "fake-whisper" } } }
      : {}),
    ...o.config,
  });
  const choice: AgentChoice = { kind: "builtin", why: "test", builtin: config.builtin };
  const agent = await buildAgent({ choice, config, paths, store });
  const media = mediaWiring(config, paths, choice);
  const gateway = createGateway({
    store,
    agent,
    transportFor: (a) =>
      createILinkTransport(a, { ...media.transport, ...(o.fetch ? { fetch: o.fetch } : {}) }),
    media: media.media,
    accountIds: [o.account.id],
    maxTurns: config.gateway.maxTurns,
    delivery: {
      chunkChars: config.gateway.chunkChars,
      spacingMs: config.gateway.spacingMs,
      quotaPerToken: config.gateway.quotaPerToken,
      typingStartAfterMs: config.gateway.typingAfterMs,
    },
    dispatch: {
      sendQuota: config.gateway.quotaPerToken,
      access: createAccessPolicy({
        store: asyncStore(store),
        profileFor: profileResolver(config, { dmPolicy: "open" }),
      }),
      ...media.dispatch,
    },
  });
  await gateway.start();
  return {
    gateway,
    agent,
    store,
    paths,
    config,
    async close() {
      await gateway.stop({ drainTimeoutMs: 1_000 });
      await agent.close?.();
      await store.close();
    },
  };
}
