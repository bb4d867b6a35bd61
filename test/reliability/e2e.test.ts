/**
 * The gateway's "Done when", first line: through the simulator with realism ON (send quota,
 * burst throttle, redelivery of messages a few seconds later), 50 contacts × 20 messages are all
 * answered once, in order per contact.
 *
 * With realism on, 20 messages written at once share the contact's latest context token, so only
 * about 10 bubbles fit; the rest wait in the durable outbox until the user writes again — which is
 * what a real user sees. The test plays that user: whenever replies stop arriving and some are
 * still missing, each such contact writes a nudge. A reply counts once it reaches the simulator.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { storesUnderTest } from "../../src/store/postgres-server.test-util.js";
import {
  answerAll,
  burst,
  deliveryProblems,
  inject,
  outbound,
  type Rig,
  repliesByContact,
  startRig,
} from "./harness.js";

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});
const { stores, drop } = await storesUnderTest("e2e");
afterAll(drop);

const CONTACTS = 50;
const PER_CONTACT = 20;

describe.each(stores)("realism on, on $name: 50 contacts × 20 messages", ({ db }) => {
  it("answers every message exactly once, in order per contact, despite quota, throttle and redelivery", async () => {
    rig = await startRig({
      sim: { realism: true, seed: 11 },
      // Redelivery more often and sooner than the default so the run exercises it within seconds.
      simConfig: { redelivery_rate: 0.05, redelivery_delay_ms: [300, 2_000] },
      // Spacing above the simulator's throttle (3 sends per second per contact).
      gateway: { delivery: { spacingMs: 400, typingStartAfterMs: 60_000 } },
      db,
    });
    const { sim, bot } = rig;
    const seen = { redelivered: 0, rejected: 0 };
    sim.state.listeners.add((e) => {
      if (e.type === "message.redelivered") seen.redelivered++;
      if (e.type === "message.rejected") seen.rejected++;
    });
    await Promise.all(burst(CONTACTS, PER_CONTACT).map((m) => inject(sim, bot.account_id, m.from, m.text)));

    const { nudges } = await answerAll(sim, bot.account_id, CONTACTS, PER_CONTACT, { timeoutMs: 50_000 });
    // Redeliveries land up to 2 s later: give them time to be (wrongly) answered twice.
    await new Promise((r) => setTimeout(r, 2_500));
    const by = repliesByContact(await outbound(sim, bot.account_id), CONTACTS);
    expect(deliveryProblems(by, PER_CONTACT)).toEqual([]);
    // The run did meet the realism it claims to survive.
    expect(seen.redelivered).toBeGreaterThan(0);
    expect(nudges).toBeGreaterThan(0);
    expect(await rig.store.inbound.unfinished(bot.account_id)).toEqual([]);
  }, 60_000);
});
