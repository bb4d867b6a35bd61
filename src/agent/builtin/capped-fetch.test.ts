import { describe, expect, it } from "vitest";
import { cappedFetch, ResponseTooLargeError, responseTooLarge } from "./capped-fetch.js";

const KB = 1024;

/** A fetch answering `bytes` in 64 KB chunks, counting what the server had to produce. */
function serving(bytes: number, headers: Record<string, string> = {}) {
  const served = { bytes: 0 };
  const fetchImpl = (async () => {
    let left = bytes;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (left <= 0) return controller.close();
        const n = Math.min(64 * KB, left);
        left -= n;
        served.bytes += n;
        controller.enqueue(new Uint8Array(n).fill(0x61));
      },
    });
    return new Response(body, { status: 200, headers });
  }) as typeof fetch;
  return { fetchImpl, served };
}

describe("cappedFetch", () => {
  it("passes an answer within the bound through unchanged", async () => {
    const { fetchImpl } = serving(100 * KB);
    const res = await cappedFetch(fetchImpl, 256 * KB)("http://model/v1/chat/completions");
    expect(res.status).toBe(200);
    expect((await res.text()).length).toBe(100 * KB);
  });

  it("stops reading past the bound, with an error that says what to change", async () => {
    const { fetchImpl, served } = serving(4 * 1024 * KB);
    const res = await cappedFetch(fetchImpl, 256 * KB)("http://model/v1/chat/completions");
    const err = await res.text().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect(String(err)).toMatch(/larger than 256 KB \(builtin\.maxResponseBytes\), so it was not read/);
    expect(served.bytes).toBeLessThan(512 * KB); // the rest was never pulled
    expect(responseTooLarge(new Error("wrapped", { cause: err }))).toBe(err);
  });

  it("refuses at once an answer whose Content-Length is over the bound", async () => {
    const { fetchImpl, served } = serving(1024 * KB, { "content-length": String(1024 * KB) });
    const res = await cappedFetch(fetchImpl, 256 * KB)("http://model/v1/chat/completions");
    await expect(res.text()).rejects.toBeInstanceOf(ResponseTooLargeError);
    expect(served.bytes).toBeLessThanOrEqual(128 * KB);
  });
});
