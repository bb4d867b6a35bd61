/**
 * Area "urls", run as an attacker would: a hostile iLink server hands out `full_url`s that point
 * at a loopback service of the gateway's machine, or at the account's own CDN host that then
 * redirects there. The admin UI's media preview and `download_media` (REST) must refuse exactly
 * what the gateway refuses: the loopback service is never reached.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp } from "../../src/admin/api.js";
import { createAdminApp } from "../../src/admin/app.js";
import { SESSION_COOKIE, sessionValue } from "../../src/admin/auth.js";
import { normalizeInbound } from "../../src/gateway/inbound.js";
import { prepareInboundMedia } from "../../src/gateway/media/index.js";
import { ILinkClient } from "../../src/ilink/client.js";
import { parseJsonLosslessIds } from "../../src/ilink/index.js";
import { createOpsContext, type OpsContext } from "../../src/ops/index.js";
import { createSimulator, type Simulator } from "../../src/simulator/index.js";
import { control, newBot, type TestBot } from "../../src/simulator/testkit.js";
import { ensureHome, type HomePaths, openStore } from "../../src/store/index.js";
import type { Store } from "../../src/store/types.js";
import { createRootLogger } from "../../src/util/logger.js";

const TOKEN = "urls-admin-token-0123456789";
// biome-ignore lint/suspicious/noExplicitAny: loosely shaped JSON
type Json = Record<string, any>;

describe("a server-sent full_url aimed at loopback, through the admin preview and download_media", () => {
  let sim: Simulator;
  let inner: Server;
  let innerUrl: string;
  const innerHits: string[] = [];
  let paths: HomePaths;
  let store: Store;
  let ops: OpsContext;
  let client: ILinkClient;
  let cursor = "";
  let bot: TestBot;
  /** What the hostile server writes into every media item's full_url (undefined: leave it). */
  let attack: { full_url: string; dropParam: boolean } | undefined;

  beforeAll(async () => {
    inner = createServer((req, res) => {
      innerHits.push(req.url ?? "");
      res.end("internal admin page");
    });
    await new Promise<void>((r) => inner.listen(0, "127.0.0.1", r));
    innerUrl = `http://127.0.0.1:${(inner.address() as AddressInfo).port}/secret`;
    sim = createSimulator({ realism: false, longPollTimeoutMs: 1_000 });
    const base = sim.state.publicBaseUrl;
    // The hostile server: rewrites full_url in getupdates, and its CDN path /c2c/evil redirects to
    // the loopback service. Anything else goes out like a real fetch (which follows redirects).
    const hostile = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      if (!url.startsWith(base)) return globalThis.fetch(input, init);
      if (url.startsWith(`${base}/c2c/evil`)) {
        if (init?.redirect === "manual")
          return new Response(null, { status: 302, headers: { location: innerUrl } });
        return globalThis.fetch(innerUrl, init);
      }
      const res = await sim.fetch(input, init);
      if (!url.includes("getupdates") || !attack) return res;
      const raw = await res.text();
      // uint64 ids kept exact: JSON.parse rounds them to 1024 above 2^53, and two rounded to one id
      // are one message to the dedup (the poll then "never" delivered the second).
      const body = parseJsonLosslessIds(raw) as Json;
      for (const m of body.msgs ?? []) {
        for (const item of m.item_list ?? []) {
          const media = item.file_item?.media ?? item.image_item?.media;
          if (!media) continue;
          media.full_url = attack.full_url;
          if (attack.dropParam) delete media.encrypt_query_param;
        }
      }
      return new Response(JSON.stringify(body), {
        status: res.status,
        headers: { "content-type": "application/json" },
      });
    };
    paths = ensureHome(mkdtempSync(join(tmpdir(), "wxagent-sec-urls-")));
    store = openStore(paths.dbPath);
    bot = await newBot(sim);
    store.accounts.upsert({
      id: bot.account_id,
      baseUrl: base,
      cdnBaseUrl: `${base}/c2c`,
      token: bot.token,
      state: "active",
    });
    ops = createOpsContext({ store, paths, fetch: hostile, limits: { spacingMs: 0 } });
    client = new ILinkClient({ baseUrl: base, cdnBaseUrl: `${base}/c2c`, token: bot.token, fetch: hostile });
  });

  afterAll(async () => {
    ops?.close();
    store?.close();
    sim?.close();
    inner.closeAllConnections();
    await new Promise((r) => inner.close(r));
    rmSync(paths.home, { recursive: true, force: true });
  });

  const api = createApiAppLazy();
  function createApiAppLazy() {
    let app: ReturnType<typeof createApiApp> | undefined;
    return async (path: string, body: unknown) => {
      app ??= createApiApp(ops, { token: TOKEN });
      const res = await app.request(path, {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Json };
    };
  }

  /** The contact sends a file; the gateway's poll (through the hostile server) stores it. */
  async function receiveFile(from: string, name = "note.txt"): Promise<number> {
    await control(sim, "POST", "/messages", {
      account_id: bot.account_id,
      from,
      file: { name, base64: Buffer.from("hello from the CDN").toString("base64") },
    });
    const fresh = [];
    // A long poll returns at once when the message is queued. The client waits longer than the
    // server's 1 s hold, so a slow machine never turns the answer into a client-side timeout.
    for (let i = 0; i < 10 && fresh.length === 0; i++) {
      const res = await client.getUpdates(cursor, { timeoutMs: 10_000 });
      cursor = res.get_updates_buf || cursor;
      for (const m of res.msgs ?? []) {
        const n = normalizeInbound(m);
        if (n.ok && n.inbound.fromUserId === from) fresh.push(n.inbound);
      }
    }
    const stored = store.inbound.recordPoll(bot.account_id, cursor, fresh, Date.now());
    const id = stored[0]?.id;
    if (id === undefined) throw new Error(`the message from ${from} never arrived through the poll`);
    return id;
  }

  const preview = async (id: number) => {
    const admin = createAdminApp({ ops, token: TOKEN });
    const res = await admin.request(`/media/${id}/0?download`, {
      headers: { Cookie: `${SESSION_COOKIE}=${sessionValue(TOKEN)}` },
    });
    return { status: res.status, text: await res.text() };
  };

  it("a loopback full_url with no fallback: preview and download_media refuse, loopback untouched", async () => {
    attack = { full_url: innerUrl, dropParam: true };
    const id = await receiveFile("u-attacker-1");
    const before = innerHits.length;
    const p = await preview(id);
    expect(p.status).toBe(502);
    expect(p.text).toMatch(/refused/);
    const dl = await api("/api/media/download", { message_id: id, to_path: paths.home });
    expect(dl.body.error).toMatchObject({ code: "BAD_INPUT", message: expect.stringMatching(/refused/) });
    expect(innerHits.length).toBe(before);
  });

  it("a loopback full_url beside the parameter: both use the account's CDN instead", async () => {
    attack = { full_url: innerUrl, dropParam: false };
    const id = await receiveFile("u-attacker-2");
    const before = innerHits.length;
    expect(await preview(id)).toEqual({ status: 200, text: "hello from the CDN" });
    const dir = mkdtempSync(join(paths.home, "dl-"));
    const dl = await api("/api/media/download", { message_id: id, to_path: dir });
    expect(dl.body).toMatchObject({ size_bytes: 18 });
    expect(innerHits.length).toBe(before);
  });

  it("the account's own CDN host redirecting to loopback: the redirect is refused", async () => {
    attack = { full_url: `${sim.state.publicBaseUrl}/c2c/evil`, dropParam: true };
    const id = await receiveFile("u-attacker-3");
    const before = innerHits.length;
    const p = await preview(id);
    expect(p.status).toBe(502);
    expect(p.text).not.toContain("internal admin page");
    const dir = mkdtempSync(join(paths.home, "dl-"));
    const dl = await api("/api/media/download", { message_id: id, to_path: dir });
    expect(dl.body.error).toMatchObject({ message: expect.stringMatching(/refused/) });
    expect(innerHits.length).toBe(before);
  });

  it("the gateway's own inbound download: the same redirect to loopback is refused, and the contact told", async () => {
    attack = { full_url: `${sim.state.publicBaseUrl}/c2c/evil`, dropParam: true };
    const id = await receiveFile("u-attacker-4");
    const message = store.inbound.get(id);
    const before = innerHits.length;
    const out = await prepareInboundMedia({
      accountId: bot.account_id,
      inboundId: id,
      items: message?.items ?? [],
      workspaceDir: join(paths.workspacesDir, "attacker-4"),
      mediaDir: paths.mediaDir,
      downloader: client,
      logger: createRootLogger(undefined, "silent"),
    });
    expect(out.media[0]?.path).toBeUndefined();
    expect(out.userNotices.join("\n")).toMatch(/could not be downloaded|do not trust/);
    expect(JSON.stringify(out)).not.toContain("internal admin page");
    expect(innerHits.length).toBe(before);
  });

  it("download_media into a directory never saves a dotfile or an option-like name", async () => {
    attack = undefined;
    for (const [name, saved] of [
      [".bash_profile", "bash_profile"],
      ["-rf", "rf"],
      ["~evil.sh", "evil.sh"],
    ] as const) {
      const id = await receiveFile("u-names", name);
      const dir = mkdtempSync(join(paths.home, "dl-"));
      const dl = await api("/api/media/download", { message_id: id, to_path: dir });
      expect(dl.body.path, name).toBe(join(dir, saved));
    }
  });
});
