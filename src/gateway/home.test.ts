/** The home channel: routes per kind, dedup, the owner's window, another account of the same owner. */

import { afterEach, beforeEach, expect, it } from "vitest";
import { asyncStore } from "../store/async.js";
import { openStore } from "../store/sqlite.js";
import type { Store } from "../store/types.js";
import type { ReplyToDeliver } from "./delivery/delivery.js";
import { emptyResult } from "./delivery/delivery-types.js";
import { ManualClock } from "./delivery/manual-clock.js";
import { HomeChannel, type HomeSettings } from "./home.js";

const OWNER = "owner@im.wechat";
let store: Store;
let clock: ManualClock;
let sent: ReplyToDeliver[];

beforeEach(() => {
  clock = new ManualClock(Date.UTC(2026, 4, 1));
  store = openStore(":memory:");
  sent = [];
  for (const id of ["a@im.bot", "b@im.bot"])
    store.accounts.upsert({
      id,
      baseUrl: "http://x",
      cdnBaseUrl: "http://x/c2c",
      token: id,
      ownerUserId: OWNER,
      state: "active",
    });
});
afterEach(() => store.close());

const channel = (settings: HomeSettings = {}, sendsFor?: (accountId: string) => boolean) =>
  new HomeChannel({
    store: asyncStore(store),
    clock,
    settings,
    ...(sendsFor ? { sendsFor } : {}),
    deliver: async (r) => {
      sent.push(r);
      return { ...emptyResult(), sent: 1 };
    },
  });

it("tells the owner in their chat when their window is open, once per event within the dedup time", async () => {
  store.contextTokens.set("a@im.bot", OWNER, "ctx", clock.now());
  const home = channel();
  const e = {
    kind: "pairing-request" as const,
    accountId: "a@im.bot",
    subject: "bob",
    text: "pairing request from bob",
  };
  home.report(e);
  home.report(e);
  await home.settled();
  expect(sent).toEqual([{ accountId: "a@im.bot", toUserId: OWNER, text: "🔔 pairing request from bob" }]);
  expect(home.recent()).toHaveLength(1);
  expect(home.recent()[0]?.sentToOwner).toBe(true);
});

it("keeps the event in the admin list only when the owner's window is closed or the kind says admin", async () => {
  const home = channel({ events: { "agent-failing": "admin" } });
  home.report({ kind: "schedule-undelivered", accountId: "a@im.bot", subject: "job 1", text: "held" });
  await home.settled();
  store.contextTokens.set("a@im.bot", OWNER, "ctx", clock.now());
  home.report({ kind: "agent-failing", accountId: "a@im.bot", subject: "agent", text: "failing" });
  await home.settled();
  expect(sent).toEqual([]);
  expect(home.recent().map((e) => [e.kind, e.sentToOwner])).toEqual([
    ["agent-failing", false],
    ["schedule-undelivered", false],
  ]);
});

it("an expired account's owner hears of it through another account they own", async () => {
  store.accounts.setState("a@im.bot", "expired", "session expired (-14)");
  store.contextTokens.set("b@im.bot", OWNER, "ctx", clock.now());
  const home = channel();
  home.report({
    kind: "account-expired",
    accountId: "a@im.bot",
    subject: "a@im.bot",
    text: "account a@im.bot expired: run `wxagent login`",
  });
  await home.settled();
  expect(sent).toEqual([
    {
      accountId: "b@im.bot",
      toUserId: OWNER,
      text: "🔔 [a@im.bot] account a@im.bot expired: run `wxagent login`",
    },
  ]);
});

it("on several nodes, only through an account this node sends for", async () => {
  store.contextTokens.set("a@im.bot", OWNER, "ctx", clock.now());
  store.contextTokens.set("b@im.bot", OWNER, "ctx", clock.now());
  // a@im.bot is polled by another node: a note recorded for it would wait in its outbox.
  const home = channel({}, (id) => id === "b@im.bot");
  home.report({
    kind: "pairing-request",
    accountId: "a@im.bot",
    subject: "bob",
    text: "pairing request from bob",
  });
  await home.settled();
  expect(sent.map((r) => r.accountId)).toEqual(["b@im.bot"]);

  const none = channel({}, () => false);
  none.report({
    kind: "pairing-request",
    accountId: "a@im.bot",
    subject: "eve",
    text: "pairing request from eve",
  });
  await none.settled();
  expect(sent).toHaveLength(1);
  expect(none.recent()[0]).toMatchObject({ subject: "eve", sentToOwner: false });
});

it("off: logs only", async () => {
  store.contextTokens.set("a@im.bot", OWNER, "ctx", clock.now());
  const home = channel({ events: { "pairing-request": "off" } });
  home.report({ kind: "pairing-request", accountId: "a@im.bot", subject: "bob", text: "x" });
  await home.settled();
  expect(sent).toEqual([]);
  expect(home.recent()).toEqual([]);
});
