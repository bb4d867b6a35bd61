import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MessageItem } from "../../ilink/wire.js";
import { prepareInboundMedia } from "./inbound.js";
import { b64, PNG_1PX, type SimRig, simRig } from "./sim.test-util.js";

let rig: SimRig;
beforeEach(async () => {
  rig = await simRig();
});
afterEach(async () => {
  await rig.close();
});

const clone = (item: MessageItem | undefined): MessageItem => structuredClone(item) as MessageItem;

async function fileItem(name: string, content: Buffer | string): Promise<MessageItem> {
  return clone((await rig.send({ file: { name, base64: b64(content) } })).items[0]);
}

describe("bad inbound media: each bad item gives a notice, the good ones survive", () => {
  it("wrong key, broken key, truncated, empty, unknown type, bad full_url, oversize — and a good image", async () => {
    const good = clone((await rig.send({ image: { name: "ok.png", base64: b64(PNG_1PX) } })).items[0]);

    const wrongKey = await fileItem("wrong-key.txt", randomBytes(100));
    (wrongKey.file_item?.media ?? {}).aes_key = b64(randomBytes(16).toString("hex"));

    const brokenKey = await fileItem("broken-key.txt", "hello");
    (brokenKey.file_item?.media ?? {}).aes_key = "bm90IGEga2V5";

    const truncated = await fileItem("truncated.txt", randomBytes(1500));
    const truncParam = truncated.file_item?.media?.encrypt_query_param as string;

    const empty = await fileItem("empty.txt", "");

    const unknown: MessageItem = { type: 99 as MessageItem["type"] };

    // full_url to a private host, but with a parameter: downloaded from the account's CDN instead.
    const rerouted = await fileItem("rerouted.txt", "rerouted ok");
    (rerouted.file_item?.media ?? {}).full_url = "http://10.0.0.5/secret";

    // full_url to a foreign host and nothing to fall back on: refused.
    const refused = await fileItem("refused.txt", "never fetched");
    const rm = refused.file_item?.media ?? {};
    rm.full_url = "http://169.254.169.254/latest/meta-data";
    delete rm.encrypt_query_param;

    const big = await fileItem("big.bin", randomBytes(3000));

    // Cut the ciphertext of one download short, the way a dropped connection would.
    const downloader = {
      cdnBaseUrl: rig.client.cdnBaseUrl,
      baseUrl: rig.client.baseUrl,
      fetch: async (input: string | URL | Request, init?: RequestInit) => {
        const res = await rig.client.fetch(input, init);
        if (String(input).includes(encodeURIComponent(truncParam))) {
          const body = Buffer.from(await res.arrayBuffer());
          return new Response(body.subarray(0, body.length - 40), { status: 200 });
        }
        return res;
      },
    };
    const items = [wrongKey, brokenKey, truncated, empty, unknown, rerouted, refused, big, good];
    const before = rig.urls.length;
    const out = await prepareInboundMedia({
      accountId: rig.bot.account_id,
      inboundId: 7,
      items,
      workspaceDir: rig.workspaceDir,
      mediaDir: rig.mediaDir,
      downloader,
      limits: { maxInboundBytes: 2048 },
    });
    const fetched = rig.urls.slice(before);
    expect(fetched.some((u) => u.includes("10.0.0.5") || u.includes("169.254"))).toBe(false);

    const byName = (n: string) => out.media.find((m) => m.name === n);
    expect(byName("wrong-key.txt")?.error).toMatch(/decrypted|damaged/);
    expect(byName("broken-key.txt")?.error).toMatch(/broken decryption key/);
    expect(byName("truncated.txt")?.error).toMatch(/incomplete/);
    expect(byName("empty.txt")?.error).toMatch(/empty \(0 bytes\)/);
    expect(byName("refused.txt")?.error).toMatch(/download link I do not trust/);
    expect(byName("big.bin")?.error).toMatch(/larger than 2 KB/);
    expect(byName("rerouted.txt")).toMatchObject({ path: `${rig.workspaceDir}/inbox/rerouted.txt` });
    expect(byName("rerouted.txt")?.error).toBeUndefined();
    const image = out.media.find((m) => m.kind === "image");
    expect(image).toMatchObject({ mime: "image/png", size: PNG_1PX.length });
    expect(image?.error).toBeUndefined();

    expect(out.userNotices.some((n) => /kind I can't read here \(type 99\)/.test(n))).toBe(true);
    // wrong key, broken key, truncated, empty, unknown, refused, big = 7 notices; nothing for the good ones
    expect(out.userNotices).toHaveLength(7);
    for (const n of out.userNotices) expect(n).not.toMatch(/https?:|10\.0\.0\.5|169\.254/);
  });

  it("an 'image' whose bytes are not an image is kept as a file, with a notice", async () => {
    const { items } = await rig.send({ image: { name: "x.png", base64: b64("plain text, not a picture") } });
    const out = await prepareInboundMedia({
      accountId: rig.bot.account_id,
      inboundId: 8,
      items,
      workspaceDir: rig.workspaceDir,
      mediaDir: rig.mediaDir,
      downloader: rig.client,
    });
    expect(out.media[0]).toMatchObject({ kind: "file", mime: "application/octet-stream" });
    expect(out.userNotices[0]).toMatch(/format I can't view/);
  });

  it("an abort of the turn stops the work instead of turning into notices", async () => {
    const { items } = await rig.send({ file: { name: "a.txt", base64: b64("abc") } });
    const ac = new AbortController();
    ac.abort(new Error("stop"));
    await expect(
      prepareInboundMedia({
        accountId: rig.bot.account_id,
        inboundId: 9,
        items,
        workspaceDir: rig.workspaceDir,
        mediaDir: rig.mediaDir,
        downloader: rig.client,
        signal: ac.signal,
      }),
    ).rejects.toThrow();
  });
});
