/**
 * Bad-input fuzzer: the poller, over the real iLink transport and SDK client, reads getupdates
 * answers generated from a seed — broken JSON, wrong envelopes, HTTP errors, and well-formed
 * envelopes whose message items are mutated in every field. For every case: the poller keeps
 * going, the cursor it sends next is exactly the one it should be (advanced only by an accepted
 * envelope), every bad case leaves a log line (one per dropped item), good messages are stored,
 * and nothing ends as an unhandled rejection.
 *
 * On SQLite and on PostgreSQL (which refuses some text SQLite keeps, such as U+0000).
 * CI runs 500 cases; `FUZZ_CASES=10000 npx vitest run test/reliability/fuzz.test.ts` runs more.
 */

import pino from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createILinkTransport } from "../../src/gateway/ilink-transport.js";
import { Poller } from "../../src/gateway/index.js";
import { type AsyncStore, asyncStore } from "../../src/store/async.js";
import { openPostgresStore } from "../../src/store/postgres.js";
import { type PgTestDb, storesUnderTest } from "../../src/store/postgres-server.test-util.js";
import { openStore } from "../../src/store/sqlite.js";
import type { InboundMessage } from "../../src/store/types.js";
import { prng } from "./harness.js";

const CASES = Number(process.env.FUZZ_CASES ?? 500);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const ACCOUNT = "fuzz@im.bot";
const TOKEN = "fuzz-token-0123456789";

type Rand = () => number;
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;

/** Values of every JSON type, including the awkward ones. */
function junk(r: Rand): unknown {
  return pick(r, [
    null,
    0,
    -1,
    1.5,
    2 ** 64,
    "",
    " ",
    "x".repeat(100_000),
    // 1,500 CJK characters that do not compress: 4,500 bytes, over an index entry's limit.
    Array.from({ length: 1_500 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 20_000))).join(""),
    "\u0000\ud800",
    true,
    [],
    [null],
    {},
    { type: 1 },
    "9".repeat(40),
  ]);
}

/** A well-formed inbound message (its id written as a raw uint64 by `toWire`). */
function goodMessage(n: number): Record<string, unknown> {
  return {
    message_id: `@@${7_390_000_000_000_000_000n + BigInt(n)}@@`,
    seq: n,
    from_user_id: `user${n % 7}@im.wechat`,
    to_user_id: ACCOUNT,
    create_time_ms: 1_790_000_000_000 + n,
    message_type: 1,
    message_state: 2,
    context_token: `ctx-${n}`,
    item_list: [{ type: 1, text_item: { text: `hello ${n}` } }],
  };
}

const DEEP_MARK = "@@deep@@";
const FIELDS = [
  "message_id",
  "from_user_id",
  "to_user_id",
  "message_type",
  "item_list",
  "context_token",
  "create_time_ms",
  "group_id",
];
const ITEM_MUTATIONS: ((r: Rand) => unknown)[] = [
  () => [],
  (r) => junk(r),
  () => [{ type: 99, unknown_item: {} }],
  () => [{ type: 1 }],
  (r) => [{ type: 1, text_item: { text: junk(r) } }],
  (r) => [{ type: 2, image_item: { media: { encrypt_query_param: junk(r), aes_key: "!!!not base64" } } }],
  () => [{ type: 3, voice_item: {} }],
  (r) => [{ type: 4, file_item: { file_name: junk(r), len: "-5" } }],
  (r) => [{ type: 1, text_item: { text: "quoted" }, ref_msg: junk(r) }],
  (r) => [junk(r), junk(r)],
  // 20 000 levels deep: written as raw text by `toWire` (JSON.stringify cannot).
  () => [{ type: 1, text_item: { text: "deep" }, extra: DEEP_MARK }],
];

/** One item of `msgs`: good, or mutated in one way. Returns whether it must be stored. */
function element(r: Rand, n: number): { value: unknown; good: boolean } {
  const roll = r();
  if (roll < 0.3) return { value: goodMessage(n), good: true };
  if (roll < 0.4) return { value: junk(r), good: false };
  const m = goodMessage(n);
  if (roll < 0.55) delete m[pick(r, FIELDS)];
  else if (roll < 0.75) m[pick(r, FIELDS)] = junk(r);
  else m.item_list = pick(r, ITEM_MUTATIONS)(r);
  return { value: m, good: false }; // may still be accepted: only `good` ones are asserted stored
}

const toWire = (v: unknown) =>
  JSON.stringify(v)
    .replace(/"@@(\d+)@@"/g, "$1")
    .replaceAll(JSON.stringify(DEEP_MARK), `${"[".repeat(20_000)}${"]".repeat(20_000)}`);

interface Case {
  status: number;
  body: string;
  /** The cursor after this case, when the envelope is accepted. */
  cursor?: string;
  /** Elements of `msgs` and which of them are good. */
  elements: number;
  /** Each element's message_id as the store would key it (when it has a string or number one). */
  ids: (string | undefined)[];
  good: string[];
  bad: boolean;
}

function makeCase(r: Rand, i: number): Case {
  const roll = r();
  const cursor = `cursor-${i}`;
  if (roll < 0.25) {
    // A broken envelope: the cursor must not move.
    const bodies = [
      "",
      "{",
      "not json",
      "[]",
      "null",
      "42",
      '"text"',
      toWire({ ret: -1, errmsg: "system error", get_updates_buf: cursor }),
      toWire({ ret: 1, get_updates_buf: cursor, msgs: [goodMessage(i)] }),
      toWire({ ret: 0, msgs: "nope", get_updates_buf: cursor }),
      toWire({ ret: 0, msgs: { 0: goodMessage(i) }, get_updates_buf: cursor }),
      `${toWire({ ret: 0, msgs: [goodMessage(i)], get_updates_buf: cursor }).slice(0, 40)}`,
    ];
    const status = r() < 0.2 ? pick(r, [500, 502, 404, 429]) : 200;
    return { status, body: pick(r, bodies), elements: 0, ids: [], good: [], bad: true };
  }
  const count = Math.floor(r() * 6);
  const msgs: unknown[] = [];
  const good: string[] = [];
  for (let k = 0; k < count; k++) {
    const e = element(r, i * 10 + k);
    msgs.push(e.value);
    if (e.good) good.push(`hello ${i * 10 + k}`);
  }
  return {
    status: 200,
    body: toWire({ ret: 0, msgs, get_updates_buf: cursor, longpolling_timeout_ms: 1_000 }),
    cursor,
    elements: count,
    ids: msgs.map(idOf),
    good,
    bad: good.length < count,
  };
}

function idOf(element: unknown): string | undefined {
  if (typeof element !== "object" || element === null) return undefined;
  const id = (element as { message_id?: unknown }).message_id;
  if (typeof id === "string") return id.replace(/^@@(\d+)@@$/, "$1");
  return typeof id === "number" ? String(id) : undefined;
}

let store: AsyncStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});
const { stores, drop } = await storesUnderTest("fuzz");
afterAll(drop);

/** A fresh store holding the fuzzed account: SQLite in memory, or the emptied PostgreSQL database. */
async function freshStore(db: PgTestDb | undefined): Promise<AsyncStore> {
  let s: AsyncStore;
  if (db) {
    await db.reset();
    s = await openPostgresStore(db.url);
  } else s = asyncStore(openStore(":memory:"));
  await s.accounts.upsert({
    id: ACCOUNT,
    baseUrl: "http://fuzz.local",
    cdnBaseUrl: "http://fuzz.local/c2c",
    token: TOKEN,
    state: "active",
  });
  return s;
}

interface Drive {
  lines: { msg: string; level: number }[];
  /** Index into `lines` when call i started. */
  linesBefore: number[];
  /** The cursor each getupdates call sent. */
  sentCursors: string[];
  stored: InboundMessage[];
  /** Messages handed to dispatch per case. */
  storedPer: Map<number, number>;
  unhandled: unknown[];
  poller: Poller;
  store: AsyncStore;
}

/** A poller over the iLink transport whose server answers case i to the i-th getupdates. */
async function drive(cases: Pick<Case, "status" | "body">[], db: PgTestDb | undefined): Promise<Drive> {
  const s = await freshStore(db);
  store = s;
  const lines: { msg: string; level: number }[] = [];
  const logger = pino({ level: "trace" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on("unhandledRejection", onUnhandled);

  const sentCursors: string[] = [];
  const linesBefore: number[] = [];
  let served = 0;
  let finished: () => void = () => {};
  const allServed = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const fetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (!String(url).includes("getupdates")) return new Response('{"ret":0}', { status: 200 });
    const req = JSON.parse(String(init?.body)) as { get_updates_buf: string };
    sentCursors.push(req.get_updates_buf);
    linesBefore.push(lines.length);
    const c = cases[served];
    if (!c) {
      finished();
      // Past the last case: an idle long poll that ends when the poller is stopped.
      await new Promise<void>((resolve) => init?.signal?.addEventListener("abort", () => resolve()));
      throw Object.assign(new Error("aborted"), { name: "AbortError" });
    }
    served++;
    return new Response(c.body, { status: c.status, headers: { "content-type": "application/json" } });
  };

  const stored: InboundMessage[] = [];
  const storedPer = new Map<number, number>();
  const account = await s.accounts.get(ACCOUNT);
  if (!account) throw new Error("account not stored");
  const poller = new Poller({
    accountId: ACCOUNT,
    store: s,
    transport: createILinkTransport(account, { fetch, logger }),
    onMessages: (m) => {
      stored.push(...m);
      storedPer.set(served - 1, (storedPer.get(served - 1) ?? 0) + m.length);
    },
    backoff: { retryDelayMs: 0, longDelayMs: 0, failuresBeforeLongDelay: 3 },
    logger,
  });
  poller.start();
  await allServed;
  await poller.stopPulling();
  process.off("unhandledRejection", onUnhandled);
  return { lines, linesBefore, sentCursors, stored, storedPer, unhandled, poller, store: s };
}

describe.each(stores)(`fuzz on $name: ${CASES} getupdates answers (seed ${SEED})`, ({ db }) => {
  it("the poller survives every case, keeps the right cursor and logs every bad case", async () => {
    const r = prng(SEED);
    const cases = Array.from({ length: CASES }, (_, i) => makeCase(r, i));
    const {
      lines,
      linesBefore,
      sentCursors,
      stored,
      storedPer,
      unhandled,
      poller,
      store: s,
    } = await drive(cases, db);

    // The cursor sent with call i+1 is the last cursor an accepted case before it carried.
    let expected = "";
    const wrongCursor: string[] = [];
    const silent: string[] = [];
    const wrongLogCount: string[] = [];
    const knownIds = new Set<string>();
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i] as Case;
      if (sentCursors[i] !== expected)
        wrongCursor.push(`call ${i}: sent ${sentCursors[i]}, expected ${expected}`);
      if (c.cursor) expected = c.cursor;
      const logged = lines.slice(linesBefore[i], linesBefore[i + 1]);
      // A refused envelope is a warning at least; a dropped element is counted below. (An empty
      // 200 body is read by the SDK as an empty answer — harmless, the cursor stays — so it is
      // only logged at debug; it is left out here.)
      if (!c.cursor && c.body !== "" && !logged.some((l) => l.level >= 40))
        silent.push(`${i}: ${c.status} ${c.body.slice(0, 60)} → ${JSON.stringify(logged).slice(0, 200)}`);
      if (c.cursor) {
        // Each element is either stored or dropped with exactly one log line.
        const dropped = logged.filter((l) => /message dropped/.test(l.msg)).length;
        const storedHere = storedPer.get(i) ?? 0;
        // Known gap: an element whose message_id repeats an already stored one is dropped by the
        // store's dedup without a log line (see the `.fails` test below); it is tolerated here
        // (any earlier element with that id counts, which only loosens the lower bound).
        const repeats = c.ids.filter((id) => id !== undefined && knownIds.has(id)).length;
        for (const id of c.ids) if (id !== undefined) knownIds.add(id);
        if (storedHere + dropped > c.elements || storedHere + dropped + repeats < c.elements)
          wrongLogCount.push(
            `case ${i}: ${c.elements} elements, ${storedHere} stored, ${dropped} logged: ${c.body.slice(0, 1500)}`,
          );
      }
    }
    expect(wrongCursor.slice(0, 5)).toEqual([]);
    expect(silent.slice(0, 10), "bad cases without a log line").toEqual([]);
    expect(wrongLogCount.slice(0, 5)).toEqual([]);
    // Every good message was stored exactly once; nothing unstored was dispatched.
    const texts = stored.map((m) => {
      const item = m.items[0] as { text_item?: { text?: unknown } } | undefined;
      return item?.text_item?.text;
    });
    const good = cases.flatMap((c) => (c.cursor ? c.good : []));
    for (const t of good)
      expect(
        texts.filter((x) => x === t),
        t,
      ).toHaveLength(1);
    expect(await s.cursors.get(ACCOUNT)).toBe(expected);
    expect(poller.status().state).toBe("stopped");
    expect(unhandled).toEqual([]);
    // The log never carries the bot token.
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  }, 120_000);
});

describe.each(stores)("found by the fuzzer, on $name", ({ db }) => {
  // A message whose message_id repeats one already stored, with other content, is skipped by the
  // store's unique key; the poller must say so in the log rather than drop it silently.
  it("a message reusing a stored message_id with other content is not dropped silently", async () => {
    const msg = (text: string) => ({ ...goodMessage(1), item_list: [{ type: 1, text_item: { text } }] });
    const d = await drive(
      [
        { status: 200, body: toWire({ ret: 0, msgs: [msg("first")], get_updates_buf: "c1" }) },
        { status: 200, body: toWire({ ret: 0, msgs: [msg("second")], get_updates_buf: "c2" }) },
      ],
      db,
    );
    const second = d.lines.slice(d.linesBefore[1], d.linesBefore[2]);
    const storedSecond = d.storedPer.get(1) ?? 0;
    expect(storedSecond === 1 || second.some((l) => /dropped/.test(l.msg))).toBe(true);
  });
});
