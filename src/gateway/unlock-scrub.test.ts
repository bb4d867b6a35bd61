import { describe, expect, it } from "vitest";
import { MessageItemType } from "../ilink/wire.js";
import { contentKeyOf } from "./inbound.js";
import { scrubUnlock, scrubUnlockText } from "./unlock-scrub.js";

describe("scrubUnlock", () => {
  it("replaces the passphrase of /unlock (after a mention too), leaves other text alone", () => {
    expect(scrubUnlockText("/unlock open sesame")).toBe("/unlock [redacted]");
    expect(scrubUnlockText("/UNLOCK  s3cret")).toBe("/unlock [redacted]");
    expect(scrubUnlockText("@bot /unlock s3cret")).toBe("@bot /unlock [redacted]");
    expect(scrubUnlockText("/unlock")).toBeUndefined();
    expect(scrubUnlockText("how do I /unlock?")).toBeUndefined();
    expect(scrubUnlockText("hello")).toBeUndefined();
  });

  it("keeps no trace of the passphrase in the row, not even in a content-hash dedup key", () => {
    const raw = {
      fromUserId: "u",
      createTimeMs: 5,
      items: [{ type: MessageItemType.TEXT, text_item: { text: "/unlock hunter2" } }],
    };
    const withHash = { ...raw, dedupKey: contentKeyOf(raw) };
    const { inbound, original } = scrubUnlock(withHash);
    expect(original).toBe("/unlock hunter2");
    expect(JSON.stringify(inbound)).not.toContain("hunter2");
    expect(inbound.dedupKey).not.toBe(withHash.dedupKey);
    expect(inbound.dedupKey).toBe(contentKeyOf(inbound));
    const byId = scrubUnlock({ ...raw, dedupKey: "id:m1" });
    expect(byId.inbound.dedupKey).toBe("id:m1");
  });
});
