import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sendMedia } from "../../ilink/send.js";
import { control } from "../../simulator/testkit.js";
import { prepareOutboundReply, resolveOutboundFiles } from "./outbound.js";
import { PNG_1PX, type SimRig, simRig } from "./sim.test-util.js";

let rig: SimRig;
beforeEach(async () => {
  rig = await simRig();
});
afterEach(async () => {
  await rig.close();
});

describe("files back to WeChat through the simulator", () => {
  it("a <<FILE:>> image with a misleading name is sniffed, sent as an image, and arrives byte for byte", async () => {
    await rig.send({ text: "send me the chart" });
    await mkdir(join(rig.workspaceDir, "out"), { recursive: true });
    await writeFile(join(rig.workspaceDir, "out", "chart.bin"), PNG_1PX);
    const reply = await prepareOutboundReply(
      { text: "Here it is <<FILE:out/chart.bin>>" },
      { workspaceDir: rig.workspaceDir },
    );
    const [file] = (await resolveOutboundFiles([reply.files?.[0]?.path as string], rig.workspaceDir)).files;
    expect(file?.kind).toBe("image");
    const sent = await sendMedia(rig.client, {
      to: "u1@im.wechat",
      filePath: file?.path as string,
      kind: file?.kind,
    });
    expect(sent.kind).toBe("image");
    const log = await control(
      rig.sim,
      "GET",
      `/messages?account_id=${rig.bot.account_id}&direction=outbound`,
    );
    const items = (log.body.messages as { items: { type: string; sha256?: string }[] }[]).flatMap(
      (m) => m.items,
    );
    expect(items).toContainEqual(
      expect.objectContaining({ type: "image", sha256: createHash("sha256").update(PNG_1PX).digest("hex") }),
    );
  });
});
