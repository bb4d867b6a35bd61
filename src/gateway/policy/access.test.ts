import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AsyncStore, asyncStore } from "../../store/async.js";
import { openStore } from "../../store/sqlite.js";
import type { Store } from "../../store/types.js";
import {
  type AccessPolicy,
  type AccessPolicyOptions,
  type AccessVerdict,
  createAccessPolicy,
  type PairingRequestEvent,
} from "./access.js";
import { approvePairing, listPairingRequests, PAIRING_TTL_MS, setContactAccess } from "./pairing.js";
import { type ProfilesConfig, profileResolver } from "./profile.js";

const OWNER = "owner@im.wechat";
/** The SQLite store, to seed accounts; `store` is the same connection behind the async interface. */
let sqlite: Store;
let store: AsyncStore;
let now: number;
let logs: Record<string, unknown>[];
let requests: PairingRequestEvent[];

beforeEach(() => {
  sqlite = openStore(":memory:");
  store = asyncStore(sqlite);
  now = 1_700_000_000_000;
  logs = [];
  requests = [];
  for (const id of ["a1", "a2"]) {
    sqlite.accounts.upsert({
      id,
      baseUrl: "http://x",
      cdnBaseUrl: "http://x",
      token: `t-${id}`,
      ownerUserId: OWNER,
      name: "Helper",
      state: "active",
    });
  }
});
afterEach(() => store.close());

function policy(config: ProfilesConfig = {}, extra: Partial<AccessPolicyOptions> = {}): AccessPolicy {
  const logger = pino({ level: "debug" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  return createAccessPolicy({
    store,
    profileFor: profileResolver(config),
    clock: () => now,
    logger,
    onPairingRequest: (r) => void requests.push(r),
    ...extra,
  });
}

const dm = (fromUserId: string, text = "hello", accountId = "a1") => ({ accountId, fromUserId, text });
const refusal = (v: AccessVerdict) => (v.verdict === "refuse" ? v : undefined);

describe("direct messages under pairing (the default)", () => {
  it("an unknown contact gets a code once, is approved, then allowed", async () => {
    const p = policy();
    const first = refusal(await p.check(dm("stranger")));
    expect(first?.code).toBe("pairing-code-sent");
    const code = /code: ([A-Z2-9]{6})/.exec(first?.reply ?? "")?.[1];
    expect(code).toBeDefined();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ accountId: "a1", userId: "stranger", code, reminder: false });
    const loud = logs.find((l) => l.level === 40);
    expect(loud?.msg).toBe(
      `pairing request from stranger on account a1: run \`wxagent pairing approve ${code}\``,
    );

    now += 60_000;
    const again = refusal(await p.check(dm("stranger", "hello??")));
    expect(again).toMatchObject({ code: "pairing-pending" });
    expect(again?.reply).toBeUndefined();
    expect(requests).toHaveLength(1);

    await approvePairing(store, code ?? "", { nowMs: now });
    expect(await p.check(dm("stranger", "now?"))).toMatchObject({
      verdict: "allow",
      text: "now?",
      allowedBy: "approved",
    });
  });

  it("after the code expires the contact gets one reminder, then silence", async () => {
    const p = policy();
    await p.check(dm("stranger"));
    now += PAIRING_TTL_MS;
    const reminder = refusal(await p.check(dm("stranger")));
    expect(reminder?.code).toBe("pairing-code-sent");
    expect(reminder?.reply).toContain("expired");
    expect(requests.map((r) => r.reminder)).toEqual([false, true]);
    now += PAIRING_TTL_MS;
    const quiet = refusal(await p.check(dm("stranger")));
    expect(quiet).toMatchObject({ code: "pairing-pending" });
    expect(quiet?.reply).toBeUndefined();
    expect(await listPairingRequests(store, "a1", now)).toHaveLength(1);
  });

  it("a full list of waiting requests does not silence a newcomer: the oldest request is withdrawn", async () => {
    const p = policy({}, { maxPendingPerAccount: 2 });
    await p.check(dm("s1"));
    now += 1;
    await p.check(dm("s2"));
    now += 1;
    const third = refusal(await p.check(dm("newcomer")));
    expect(third).toMatchObject({ code: "pairing-code-sent" });
    expect(third?.reply).toMatch(/pairing code: [A-Z2-9]{6}/);
    const open = (await listPairingRequests(store, "a1", now)).filter((r) => !r.expired);
    expect(open.map((r) => r.userId)).toEqual(["s2", "newcomer"]);
    expect(logs.some((l) => String(l.msg).includes("pairing request of s1") && l.level === 40)).toBe(true);
    // The withdrawn one gets a fresh code when it writes again (its round is not used up).
    now += 1;
    expect(refusal(await p.check(dm("s1")))).toMatchObject({ code: "pairing-code-sent" });
  });

  it("a flood of new ids keeps pushing out only its own oldest requests: a newcomer always gets a code", async () => {
    const p = policy({}, { maxPendingPerAccount: 10 });
    for (let i = 0; i < 50; i++) {
      now += 1;
      await p.check(dm(`flood${i}`));
    }
    now += 1;
    expect(refusal(await p.check(dm("friend")))).toMatchObject({ code: "pairing-code-sent" });
    expect((await listPairingRequests(store, "a1", now)).filter((r) => !r.expired)).toHaveLength(10);
  });

  it("checks of one account run one at a time: two messages at once get one code, not two", async () => {
    const p = policy({}, { maxPendingPerAccount: 1 });
    const [a, b, c] = await Promise.all([
      p.check(dm("stranger", "hi")),
      p.check(dm("stranger", "hi again")),
      p.check(dm("other")),
    ]);
    expect([a, b, c].map((v) => refusal(v)?.code)).toEqual([
      "pairing-code-sent",
      "pairing-pending",
      "pairing-code-sent",
    ]);
    expect(requests.map((r) => r.userId)).toEqual(["stranger", "other"]);
    // The cap of one held: the stranger's request was withdrawn for the other's.
    const open = (await listPairingRequests(store, "a1", now)).filter((r) => !r.expired);
    expect(open.map((r) => r.userId)).toEqual(["other"]);
  });

  it("a store that fails rejects the check, and the next check of the account still runs", async () => {
    let fail = true;
    const flaky: AccessPolicyOptions["store"] = {
      ...store,
      accounts: {
        ...store.accounts,
        get: (id) => (fail ? Promise.reject(new Error("db down")) : store.accounts.get(id)),
      },
    };
    const p = policy({}, { store: flaky });
    await expect(p.check(dm(OWNER))).rejects.toThrow("db down");
    fail = false;
    expect(await p.check(dm(OWNER))).toMatchObject({ verdict: "allow", allowedBy: "owner" });
  });

  it("a blocked contact (denied) gets silence", async () => {
    const p = policy();
    await setContactAccess(store, "a1", "pest", "blocked", now);
    expect(await p.check(dm("pest"))).toEqual({
      verdict: "refuse",
      code: "blocked",
      reason: "sender is blocked",
    });
  });
});

describe("the owner", () => {
  it("is always allowed, even with a non-empty allowlist (the official client's trap)", async () => {
    const p = policy({ defaults: { dmPolicy: "allowlist", allowFrom: ["friend"] } });
    expect(await p.check(dm(OWNER))).toMatchObject({ verdict: "allow", allowedBy: "owner" });
    expect(await p.check(dm("friend"))).toMatchObject({ verdict: "allow", allowedBy: "allow-from" });
    expect(refusal(await p.check(dm("someone")))?.code).toBe("not-allowlisted");
  });

  it("is the only one allowed when DMs are disabled, and is never rate-limited", async () => {
    const p = policy({
      defaults: {
        dmPolicy: "disabled",
        allowFrom: ["friend"],
        rateLimit: { perContact: { count: 1, windowMs: 60_000 } },
      },
    });
    expect(refusal(await p.check(dm("friend")))?.code).toBe("dm-disabled");
    for (let i = 0; i < 5; i += 1) expect((await p.check(dm(OWNER))).verdict).toBe("allow");
  });

  it("is recognised from the store when isOwner is not given, and isOwner wins when it is", async () => {
    const p = policy({ defaults: { dmPolicy: "disabled" } });
    expect((await p.check(dm(OWNER))).verdict).toBe("allow");
    expect((await p.check({ ...dm(OWNER), isOwner: false })).verdict).toBe("refuse");
  });
});

describe("groups", () => {
  const group = (text: string, groupId = "g1", fromUserId = "member") => ({
    accountId: "a1",
    fromUserId,
    groupId,
    text,
  });

  it("are ignored by default, even when addressed", async () => {
    const p = policy();
    expect(refusal(await p.check(group("@Helper hi")))?.code).toBe("group-disabled");
  });

  it("outside the allowlist are ignored", async () => {
    const p = policy({ defaults: { groupPolicy: "allowlist", groups: { allow: ["g1"] } } });
    expect(refusal(await p.check(group("@Helper hi", "g2")))?.code).toBe("group-not-allowed");
  });

  it("allowed ones are answered only when addressed, with the mention stripped", async () => {
    const p = policy({
      defaults: { groupPolicy: "allowlist", groups: { allow: ["g1"] }, prefixes: ["/ai"] },
    });
    const chatter = refusal(await p.check(group("lunch anyone?")));
    expect(chatter?.code).toBe("not-addressed");
    expect(chatter?.reply).toBeUndefined();
    // The account's name ("Helper") is a mention name without configuring it.
    expect(await p.check(group("@Helper\u2005what's 2+2?"))).toMatchObject({
      verdict: "allow",
      text: "what's 2+2?",
      allowedBy: "group",
    });
    expect(await p.check(group("/ai translate this"))).toMatchObject({
      verdict: "allow",
      text: "translate this",
    });
    expect(refusal(await p.check(group("@Helper")))?.code).toBe("no-text");
  });

  it("apply to the owner too, and a blocked member is ignored", async () => {
    const p = policy({ defaults: { groupPolicy: "open", mentionNames: ["bot"] } });
    expect(refusal(await p.check(group("hi all", "g1", OWNER)))?.code).toBe("not-addressed");
    expect(await p.check(group("@bot hi", "g9", OWNER))).toMatchObject({ verdict: "allow", text: "hi" });
    await setContactAccess(store, "a1", "troll", "blocked", now);
    expect(refusal(await p.check(group("@bot hi", "g9", "troll")))?.code).toBe("blocked");
  });

  it("with no name and no prefix say so instead of staying silently deaf", async () => {
    sqlite.accounts.upsert({
      id: "nameless",
      baseUrl: "http://x",
      cdnBaseUrl: "http://x",
      token: "t",
      state: "active",
    });
    const p = policy({ defaults: { groupPolicy: "open" } });
    const v = refusal(await p.check({ accountId: "nameless", fromUserId: "m", groupId: "g", text: "@x hi" }));
    expect(v?.code).toBe("group-unaddressable");
  });
});

describe("rate limits", () => {
  it("an answer to an open question neither counts nor is refused, whatever the rate", async () => {
    const p = policy({ defaults: { dmPolicy: "open" } });
    for (let i = 0; i < 10; i += 1) expect((await p.check(dm("fast", `m${i}`))).verdict).toBe("allow");
    expect(refusal(await p.check(dm("fast", "m10")))?.code).toBe("rate-contact");
    expect(await p.check({ ...dm("fast", "y 1"), answer: true })).toMatchObject({
      verdict: "allow",
      text: "y 1",
    });
    // Answers leave no trace in the window: a quiet contact answering often is never limited.
    const q = policy({ defaults: { dmPolicy: "open" } });
    for (let i = 0; i < 30; i += 1) await q.check({ ...dm("calm", "y"), answer: true });
    expect((await q.check(dm("calm", "hello"))).verdict).toBe("allow");
  });

  it("a flood is limited and the contact is told once per window", async () => {
    const p = policy({ defaults: { dmPolicy: "open" } });
    for (let i = 0; i < 10; i += 1) {
      expect((await p.check(dm("fast", `m${i}`))).verdict).toBe("allow");
      now += 1000;
    }
    const limited = refusal(await p.check(dm("fast", "m10")));
    expect(limited?.code).toBe("rate-contact");
    // First message was at t0; now is t0+10 s; the window is 60 s.
    expect(limited?.reply).toBe(
      "You're sending messages faster than I can answer. I'll pick up again in 50 s.",
    );
    for (let i = 0; i < 20; i += 1) {
      now += 500;
      const again = refusal(await p.check(dm("fast", "more")));
      expect(again?.code).toBe("rate-contact");
      expect(again?.reply).toBeUndefined();
    }
    now += 40_000; // t0 + 60 s: the first message left the window
    expect((await p.check(dm("fast", "back"))).verdict).toBe("allow");
    // Another contact was never affected.
    expect((await p.check(dm("calm"))).verdict).toBe("allow");
  });

  it("the account limit refuses everyone over it and tells each contact once", async () => {
    const p = policy({
      defaults: { dmPolicy: "open", rateLimit: { perAccount: { count: 3, windowMs: 60_000 } } },
    });
    for (const u of ["u1", "u2", "u3"]) expect((await p.check(dm(u))).verdict).toBe("allow");
    const u4 = refusal(await p.check(dm("u4")));
    expect(u4?.code).toBe("rate-account");
    expect(u4?.reply).toContain("60 s");
    expect(refusal(await p.check(dm("u4")))?.reply).toBeUndefined();
    expect(refusal(await p.check(dm("u5")))?.reply).toBeDefined();
    // Another account has its own budget; the owner is not counted.
    expect((await p.check(dm("u4", "hi", "a2"))).verdict).toBe("allow");
    expect((await p.check(dm(OWNER))).verdict).toBe("allow");
  });
});

describe("profiles per account", () => {
  it("two accounts with different policies in one process", async () => {
    const config: ProfilesConfig = {
      defaults: { dmPolicy: "pairing" },
      accounts: {
        a1: { dmPolicy: "open", agent: "builtin", preset: "read-only" },
        a2: { dmPolicy: "allowlist", allowFrom: ["admin"], agent: "acp", preset: "full" },
      },
    };
    const p = policy(config);
    const support = await p.check(dm("customer", "where is my order?", "a1"));
    expect(support).toMatchObject({
      verdict: "allow",
      allowedBy: "open",
      profile: { agent: "builtin", preset: "read-only" },
    });
    expect(refusal(await p.check(dm("customer", "hi", "a2")))?.code).toBe("not-allowlisted");
    expect(await p.check(dm("admin", "deploy", "a2"))).toMatchObject({
      verdict: "allow",
      profile: { agent: "acp", preset: "full" },
    });
  });

  it("the CLI override applies to every account", async () => {
    const p = createAccessPolicy({
      store,
      profileFor: profileResolver({ accounts: { a1: { dmPolicy: "open" } } }, { dmPolicy: "disabled" }),
      clock: () => now,
      logger: pino({ level: "silent" }),
    });
    expect(refusal(await p.check(dm("anyone")))?.code).toBe("dm-disabled");
  });
});

describe("refusals", () => {
  it("carry a reason, and every one is logged with it", async () => {
    const p = policy({ defaults: { dmPolicy: "allowlist", groupPolicy: "disabled" } });
    const verdicts = [
      await p.check(dm("x")),
      await p.check({ accountId: "a1", fromUserId: "y", groupId: "g", text: "@Helper hi" }),
    ];
    for (const v of verdicts) {
      const r = refusal(v);
      expect(r?.reason).toMatch(/\w+/);
      expect(
        logs.some(
          (l) => l.msg === `message refused: ${r?.reason}` && l.code === r?.code && l.accountId === "a1",
        ),
      ).toBe(true);
    }
  });

  it("a failing onPairingRequest handler does not break the check", async () => {
    const p = policy(
      {},
      {
        onPairingRequest: () => {
          throw new Error("ui down");
        },
      },
    );
    expect(refusal(await p.check(dm("stranger")))?.code).toBe("pairing-code-sent");
    expect(logs.some((l) => l.msg === "onPairingRequest handler failed")).toBe(true);
  });
});
