import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AgentInput } from "../../agent/types.js";
import type { InboundMessage } from "../../store/types.js";
import { VOICE_FALLBACK_NOTICE } from "./notices.js";
import { createMediaResolver, needsMedia } from "./resolver.js";
import { b64, PNG_1PX, type SimRig, simRig } from "./sim.test-util.js";

let rig: SimRig;
beforeEach(async () => {
  rig = await simRig();
});
afterEach(async () => {
  await rig.close();
});

function stored(items: InboundMessage["items"]): InboundMessage {
  return {
    id: 5,
    accountId: rig.bot.account_id,
    fromUserId: "u1@im.wechat",
    dedupKey: "k",
    items,
    state: "processing",
    receivedAtMs: 0,
  } as InboundMessage;
}

function input(text: string): AgentInput {
  return {
    contact: { accountId: rig.bot.account_id, userId: "u1@im.wechat", isOwner: false },
    messageId: "5",
    text,
    media: [{ kind: "image", mime: "image/*" }],
    signal: new AbortController().signal,
  };
}

describe("createMediaResolver (the dispatcher's resolveMedia hook)", () => {
  it("fills media, appends what the agent should know, and sends the notices as one bubble", async () => {
    const { items } = await rig.send({
      text: "see attached",
      image: { name: "a.png", base64: b64(PNG_1PX) },
      voice: { name: "v.silk", base64: b64("not silk at all") },
    });
    const notices: string[] = [];
    const hook = createMediaResolver({
      mediaDir: rig.mediaDir,
      workspaceDirFor: () => rig.workspaceDir,
      downloaderFor: () => rig.client,
      notify: async (_m, text) => {
        notices.push(text);
      },
    });
    const inp = input("see attached");
    await hook(stored(items), inp);
    expect(inp.media.map((m) => [m.kind, m.mime])).toEqual([
      ["image", "image/png"],
      ["voice", "audio/silk"],
    ]);
    expect(inp.text).toMatch(/^see attached\n\[The user sent a voice note .* could not be transcribed/);
    expect(notices).toEqual([VOICE_FALLBACK_NOTICE]);
  });

  it("does nothing for a plain text message", async () => {
    const { items } = await rig.send({ text: "hi" });
    expect(needsMedia({ items })).toBe(false);
  });
});
