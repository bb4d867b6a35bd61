/**
 * An operator's send (admin UI, REST: `send_text`) to a contact the agent is answering, in the
 * same `wxagent start` process: it joins the gateway's queue for that contact, so it lands after
 * the reply being sent bubble by bubble instead of in the middle of it. On SQLite and PostgreSQL.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createOpsContext, OPS, type OpsContext } from "../../src/ops/index.js";
import { homePaths } from "../../src/store/home.js";
import { storesUnderTest } from "../../src/store/postgres-server.test-util.js";
import { inject, outbound, type Rig, startRig } from "./harness.js";

let rig: Rig | undefined;
let ops: OpsContext | undefined;
afterEach(async () => {
  ops?.close();
  await rig?.close();
  rig = ops = undefined;
});
const { stores, drop } = await storesUnderTest("operator_send");
afterAll(drop);

const ALICE = "alice-op@im.wechat";
const sendText = OPS.find((o) => o.name === "send_text");

describe.each(stores)("an operator's send beside the agent's reply, on $name", ({ db }) => {
  it("goes after the reply's bubbles, not between them", async () => {
    // Bubbles of 40 characters, 150 ms apart: the echo of a 200-character message is 5 bubbles
    // over about 600 ms.
    rig = await startRig({
      sim: { realism: false },
      gateway: { delivery: { chunkChars: 40, spacingMs: 150 } },
      db,
    });
    const { sim, bot, gateway, store } = rig;
    ops = createOpsContext({
      store,
      paths: homePaths(rig.dir),
      fetch: sim.fetch,
      gatewayDelivery: (id) => gateway.deliveryFor(id),
    });
    expect(gateway.deliveryFor(bot.account_id)).toBeDefined();
    expect(gateway.deliveryFor("someone-else@im.bot")).toBeUndefined();

    const first = new Promise<void>((resolve) =>
      sim.state.listeners.add((e) => {
        if (e.type === "message.outbound") resolve();
      }),
    );
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
    await inject(sim, bot.account_id, ALICE, words);
    await first; // the reply is on its way, bubble by bubble
    if (!sendText) throw new Error("no send_text op");
    const sent = await sendText.invoke(
      ops,
      { to: ALICE, text: "operator here" },
      AbortSignal.timeout(20_000),
    );
    expect(sent.data).toMatchObject({ to: ALICE, sent: 1 });

    const texts = (await outbound(sim, bot.account_id))
      .filter((m) => m.to === ALICE)
      .map((m) => m.items[0]?.text);
    expect(texts.length).toBeGreaterThan(3);
    expect(texts.at(-1)).toBe("operator here");
    expect(texts.slice(0, -1).join(" ").replace(/\s+/g, " ")).toContain("word0");
    expect(texts.slice(0, -1).join(" ")).toContain("word39");
  }, 30_000);
});
