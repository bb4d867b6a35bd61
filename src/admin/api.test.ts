/**
 * The REST API in-process (`app.request`), over a real SQLite store in a temp home and the
 * simulator's in-process fetch, with this process polling the account (no gateway): auth, the
 * message round trip, errors as JSON, media both ways, QR login, and the generated OpenAPI.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { OpsContext } from "../ops/context.js";
import { defineOp } from "../ops/define.js";
import { OpsError } from "../ops/errors.js";
import { createOpsContext, type LocalPolling, OPS, startLocalPolling } from "../ops/index.js";
import { createSimulator, type Simulator } from "../simulator/index.js";
import { control, newBot, type TestBot, userWrites } from "../simulator/testkit.js";
import { ensureHome, type HomePaths, openStore } from "../store/index.js";
import type { Store } from "../store/types.js";
import { createApiApp } from "./api.js";

const TOKEN = "test-admin-token-0123456789";
// biome-ignore lint/suspicious/noExplicitAny: the test reads loosely shaped JSON bodies
type Json = Record<string, any>;

describe("REST API", () => {
  let sim: Simulator;
  let paths: HomePaths;
  let store: Store;
  let ctx: OpsContext;
  let polling: LocalPolling;
  let bot: TestBot;
  let app: ReturnType<typeof createApiApp>;

  const api = async (method: "GET" | "POST", path: string, body?: unknown, token: string | null = TOKEN) => {
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await app.request(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const cursorNow = async () =>
    (await api("POST", "/api/messages/wait", { timeout_ms: 0 })).body.cursor as number;
  const waitFrom = async (cursor: number) =>
    (await api("POST", "/api/messages/wait", { after_id: cursor, timeout_ms: 10_000 })).body;

  const loginSettles = async (id: string): Promise<Json> => {
    let status: Json = {};
    for (let i = 0; i < 100; i++) {
      status = (await api("GET", `/api/login/${id}`)).body;
      if (status.status !== "waiting" && status.status !== "scanned") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return status;
  };

  beforeAll(async () => {
    sim = createSimulator({ realism: false, longPollTimeoutMs: 1_000 });
    paths = ensureHome(mkdtempSync(join(tmpdir(), "wxagent-api-")));
    store = openStore(paths.dbPath);
    bot = await newBot(sim);
    store.accounts.upsert({
      id: bot.account_id,
      baseUrl: sim.state.publicBaseUrl,
      cdnBaseUrl: `${sim.state.publicBaseUrl}/c2c`,
      token: bot.token,
      state: "active",
    });
    ctx = createOpsContext({ store, paths, fetch: sim.fetch, limits: { spacingMs: 0 } });
    polling = startLocalPolling(ctx, { command: "api test" });
    app = createApiApp(ctx, { token: TOKEN });
  });

  afterAll(async () => {
    await polling?.stop();
    ctx?.close();
    await ctx?.delivery.idle();
    store?.close();
    sim?.close();
    rmSync(paths.home, { recursive: true, force: true });
  });

  it("answers 401 with a JSON error without the token, or with a wrong one", async () => {
    for (const token of [null, "wrong-token"]) {
      const r = await api("GET", "/api/accounts", undefined, token);
      expect(r.status).toBe(401);
      expect(r.body.error).toMatchObject({
        code: "UNAUTHORIZED",
        message: expect.stringContaining("admin-token"),
      });
    }
    expect((await api("GET", "/api/accounts")).status).toBe(200);
  });

  it("receives, lists and sends: the same operations as MCP", async () => {
    const cursor = await cursorNow();
    const quiet = await api("POST", "/api/messages/wait", { after_id: cursor, timeout_ms: 300 });
    expect(quiet.body).toEqual({ messages: [], cursor, timed_out: true });
    const sent = await userWrites(sim, bot, "u-rest", "hello over REST");
    const got = await waitFrom(cursor);
    expect(got.messages).toMatchObject([{ contact: "u-rest", text: "hello over REST", direction: "in" }]);

    const r = await api("POST", "/api/send/text", { to: "u-rest", text: "hi back" });
    expect(r).toMatchObject({ status: 200, body: { account: bot.account_id, sent: 1 } });
    const out = (await control(sim, "GET", `/messages?user_id=u-rest&direction=outbound`)).body
      .messages as Json[];
    expect(out).toMatchObject([
      { context_token: sent.context_token, items: [{ type: "text", text: "hi back" }] },
    ]);

    // Query strings are coerced for GET operations.
    const recent = await api("GET", "/api/messages?contact=u-rest&limit=10");
    expect(recent.body.messages.map((m: Json) => [m.direction, m.text])).toEqual([
      ["in", "hello over REST"],
      ["out", "hi back"],
    ]);
    const contacts = await api("GET", `/api/contacts?account=${bot.account_id}`);
    expect(contacts.body.contacts).toContainEqual(
      expect.objectContaining({ contact: "u-rest", has_context_token: true, sends_left: 9 }),
    );
  });

  it("returns errors as {error: {code, message, retryable}} with a status per code", async () => {
    const unknown = await api("POST", "/api/send/text", { to: "u-nobody", text: "x" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({
      code: "UNKNOWN_CONTACT",
      message: expect.stringMatching(/wrote/),
      retryable: false,
    });
    // A REST client is pointed at the route, not at the MCP tool of the same operation.
    expect(unknown.body.error.message).toContain("(`GET /api/contacts` shows who has)");
    expect(unknown.body.error.message).not.toContain("list_contacts");
    const notJson = await api("POST", "/api/send/text", "{oops");
    expect(notJson).toMatchObject({ status: 400, body: { error: { code: "BAD_INPUT" } } });
    const badQuery = await api("GET", "/api/messages?limit=lots");
    expect(badQuery).toMatchObject({ status: 400, body: { error: { code: "BAD_INPUT" } } });
    const noMessage = await api("POST", "/api/media/download", { message_id: 999_999, to_path: paths.home });
    expect(noMessage).toMatchObject({ status: 404, body: { error: { code: "NOT_FOUND" } } });
    const noRoute = await api("GET", "/api/nothing");
    expect(noRoute).toMatchObject({ status: 404, body: { error: { code: "NOT_FOUND", retryable: false } } });
    const noToken = await api("GET", "/api/contacts", undefined, null);
    expect(noToken.body.error).toMatchObject({ code: "UNAUTHORIZED", retryable: false });
  });

  it("says retryable: true for a failure the same call may get past", async () => {
    const flaky = defineOp({
      name: "flaky",
      title: "Flaky",
      description: "Fails as a send to the server fails",
      input: z.object({}),
      readOnly: true,
      rest: { method: "GET", path: "/flaky" },
      run: async () => {
        throw new OpsError("SEND_FAILED", "the server did not answer; try again");
      },
    });
    const one = createApiApp(ctx, { token: TOKEN, ops: [flaky] });
    const res = await one.request("/api/flaky", { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({
      error: { code: "SEND_FAILED", message: "the server did not answer; try again", retryable: true },
    });
  });

  it("downloads an inbound file and sends a local file", async () => {
    const bytes = Buffer.from("%PDF-1.4 pretend pdf bytes\n".repeat(50));
    const cursor = await cursorNow();
    await control(sim, "POST", "/messages", {
      account_id: bot.account_id,
      from: "u-files",
      file: { name: "report.pdf", base64: bytes.toString("base64") },
    });
    const got = await waitFrom(cursor);
    const m = got.messages[0] as Json;
    expect(m.media).toMatchObject([{ kind: "file", name: "report.pdf", item_index: 0 }]);
    const dl = await api("POST", "/api/media/download", { message_id: m.id, to_path: paths.home });
    expect(dl.status).toBe(200);
    expect(dl.body).toMatchObject({
      path: join(paths.home, "report.pdf"),
      kind: "file",
      size_bytes: bytes.length,
    });
    expect(readFileSync(join(paths.home, "report.pdf")).equals(bytes)).toBe(true);
    const again = await api("POST", "/api/media/download", { message_id: m.id, to_path: paths.home });
    expect(again.body.error).toMatchObject({
      code: "BAD_INPUT",
      message: expect.stringContaining("overwrite"),
    });

    const local = join(paths.home, "notes.txt");
    writeFileSync(local, "some notes for you\n");
    const sent = await api("POST", "/api/send/file", { to: "u-files", path: local, caption: "here" });
    expect(sent).toMatchObject({ status: 200, body: { sent: 2 } });
    const out = (await control(sim, "GET", "/messages?user_id=u-files&direction=outbound")).body
      .messages as Json[];
    expect(out.map((o) => o.items[0])).toMatchObject([
      { type: "text", text: "here" },
      { sha256: createHash("sha256").update("some notes for you\n").digest("hex"), name: "notes.txt" },
    ]);
  });

  it("turns -14 on a send into ACCOUNT_EXPIRED, marks the account and shows the fix", async () => {
    const bot2 = await newBot(sim);
    store.accounts.upsert({
      id: bot2.account_id,
      baseUrl: sim.state.publicBaseUrl,
      cdnBaseUrl: `${sim.state.publicBaseUrl}/c2c`,
      token: bot2.token,
      state: "active",
    });
    await polling.refresh();
    const cursor = await cursorNow();
    await userWrites(sim, bot2, "u-late", "are you there?");
    expect((await waitFrom(cursor)).messages).toMatchObject([
      { account: bot2.account_id, contact: "u-late" },
    ]);

    await control(sim, "POST", "/faults", { expire_token: bot2.account_id });
    const r = await api("POST", "/api/send/text", { account: bot2.account_id, to: "u-late", text: "yes" });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({
      code: "ACCOUNT_EXPIRED",
      message: expect.stringContaining("login"),
    });
    expect(store.accounts.get(bot2.account_id)?.state).toBe("expired");
    const health = (await api("GET", "/api/accounts")).body.accounts as Json[];
    expect(health.find((a) => a.account === bot2.account_id)).toMatchObject({
      state: "expired",
      fix: expect.stringContaining("wxagent login"),
    });
  });

  it("runs a QR login in the background and saves the account on confirm", async () => {
    const start = await api("POST", "/api/login", { base_url: sim.state.publicBaseUrl });
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ status: "waiting", link: expect.any(String) });
    expect(start.body.image.data_url).toMatch(/^data:image\/png;base64,iVBOR/);
    const id = start.body.login_id as string;

    const qrs = (await control(sim, "GET", "/qr")).body.qrcodes as Json[];
    const qr = qrs.at(-1)?.qrcode as string;
    const { user_id } = (await control(sim, "POST", "/users", { name: "new owner" })).body;
    expect((await control(sim, "POST", `/qr/${qr}/scan`, { user_id })).status).toBe(200);
    expect((await control(sim, "POST", `/qr/${qr}/confirm`)).status).toBe(200);

    const status = await loginSettles(id);
    expect(status).toMatchObject({ status: "confirmed", account: expect.any(String), owner: user_id });
    expect(store.accounts.get(status.account as string)).toMatchObject({ state: "active" });
    // The local poller picks the new account up (nobody else polls it).
    await polling.refresh();
    expect(polling.polledHere()).toContain(status.account);

    // The owner of an account already here scans again: nothing to save.
    const second = await api("POST", "/api/login", { base_url: sim.state.publicBaseUrl });
    const qr2 = ((await control(sim, "GET", "/qr")).body.qrcodes as Json[]).at(-1)?.qrcode as string;
    await control(sim, "POST", `/qr/${qr2}/scan`, { user_id });
    expect(await loginSettles(second.body.login_id)).toMatchObject({ status: "already_bound" });

    const missing = await api("GET", "/api/login/login-nope");
    expect(missing).toMatchObject({ status: 404, body: { error: { code: "NOT_FOUND" } } });
  });

  it("publishes an OpenAPI 3.1 document with a path for every operation, and a docs page", async () => {
    const res = await app.request("/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Json;
    expect(doc.openapi).toBe("3.1.0");
    const ops = Object.values(doc.paths as Json).flatMap((p) => Object.values(p as Json)) as Json[];
    expect(ops.map((o) => o.operationId).sort()).toEqual(OPS.map((o) => o.name).sort());
    expect(doc.paths["/api/login/{login_id}"].get.parameters).toEqual([
      expect.objectContaining({ name: "login_id", in: "path", required: true }),
    ]);
    expect(doc.paths["/api/send/text"].post.requestBody.content["application/json"].schema.required).toEqual(
      expect.arrayContaining(["to", "text"]),
    );
    const docs = await app.request("/api/docs");
    const html = await docs.text();
    for (const op of OPS) expect(html).toContain(`/api${op.rest.path}`);
  });
});
