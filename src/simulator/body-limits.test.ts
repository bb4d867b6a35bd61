/**
 * No body the simulator reads is unbounded: any local process may call it (an agent's sandbox
 * too), and `npm start` runs the gateway in the same process. Endless bodies without a length,
 * over a real socket, are cut off with 413; the simulator answers the next request as usual.
 */
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_CONTROL_BODY_BYTES, MAX_JSON_BODY_BYTES } from "./http.js";
import { type RunningSimulator, startSimulator } from "./server.js";
import { callApi, newBot, type TestBot, userWrites } from "./testkit.js";

let sim: RunningSimulator;
let bot: TestBot;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, realism: false, longPollTimeoutMs: 100 });
  bot = await newBot(sim.simulator);
  await userWrites(sim.simulator, bot, "alice@im.wechat", "hi");
});
afterAll(() => sim.close());

/** A body of 1 MiB chunks that never ends (sent chunked: no Content-Length), and how much was pulled. */
function endless(): { body: ReadableStream<Uint8Array>; pulledBytes: () => number } {
  let pulled = 0;
  const chunk = new Uint8Array(1024 * 1024).fill(0x20);
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      pulled += chunk.byteLength;
      c.enqueue(chunk);
    },
  });
  return { body, pulledBytes: () => pulled };
}

const post = (
  path: string,
  body: ReadableStream<Uint8Array> | string,
  headers: Record<string, string> = {},
) =>
  fetch(`${sim.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
    duplex: "half",
  } as RequestInit);

describe("bodies the simulator reads", () => {
  it.each([
    ["/ilink/bot/getupdates", MAX_JSON_BODY_BYTES],
    ["/sim/messages", MAX_CONTROL_BODY_BYTES],
  ] as const)("%s: an endless JSON body is refused with 413 at its bound", async (path, bound) => {
    const e = endless();
    const res = await post(path, e.body);
    expect(res.status).toBe(413);
    expect(await res.text()).toContain(String(bound));
    expect(e.pulledBytes()).toBeLessThan(bound + 64 * 1024 * 1024);
  });

  it("a declared Content-Length over the bound is refused before the body arrives", async () => {
    // fetch will not send a length it does not mean: a raw socket declares one and sends 2 bytes.
    const { port } = new URL(sim.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write(
          `POST /sim/messages HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${MAX_CONTROL_BODY_BYTES + 1}\r\n\r\n{}`,
        );
      });
      let got = "";
      socket.on("data", (d: Buffer) => {
        got += d.toString();
        if (got.includes("\r\n\r\n")) {
          socket.destroy();
          resolve(got);
        }
      });
      socket.on("error", reject);
    });
    expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 413 Payload Too Large");
  });

  it("a CDN upload longer than its session's filesize is cut off with 413", async () => {
    const ticket = await callApi(sim.simulator, "ilink/bot/getuploadurl", bot.token, {
      filekey: randomBytes(16).toString("hex"),
      media_type: 3,
      to_user_id: "alice@im.wechat",
      rawsize: 10,
      rawfilemd5: "0".repeat(32),
      filesize: 16,
      no_need_thumb: true,
      aeskey: randomBytes(16).toString("hex"),
    });
    const url = new URL(ticket.body.upload_full_url as string);
    const e = endless();
    const res = await fetch(`${sim.url}${url.pathname}${url.search}`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: e.body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(e.pulledBytes()).toBeLessThan(64 * 1024 * 1024);
  });

  it("answers as usual afterwards", async () => {
    const res = await fetch(`${sim.url}/sim/accounts`);
    expect(res.status).toBe(200);
  });
});
