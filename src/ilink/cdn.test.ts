import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { download, upload } from "./cdn.js";
import { ILinkClient } from "./client.js";
import { decryptAesEcb, encryptAesEcb } from "./crypto.js";
import { connectionRefused, fakeFetch, jsonResponse, type RecordedRequest } from "./fake-fetch.test-util.js";
import { UploadMediaType } from "./wire.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ilink-cdn-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type CdnAnswer = (req: RecordedRequest, attempt: number) => Response | Promise<Response>;

/** getuploadurl + a CDN that checks the ciphertext against the announced key, size and md5. */
function cdnServer(
  answer: CdnAnswer = () => new Response(null, { status: 200, headers: { "x-encrypted-param": "DL" } }),
  getUploadUrlBody: Record<string, unknown> = { upload_param: "UP/+=" },
) {
  let announced: Record<string, unknown> = {};
  let attempts = 0;
  const f = fakeFetch((req) => {
    if (req.url.endsWith("ilink/bot/getuploadurl")) {
      announced = JSON.parse(req.body ?? "{}");
      return jsonResponse(getUploadUrlBody);
    }
    attempts++;
    return answer(req, attempts);
  });
  const client = new ILinkClient({
    baseUrl: "http://api",
    token: "t",
    cdnBaseUrl: "http://cdn/c2c/",
    fetch: f.fetch,
  });
  const uploads = () => f.calls.filter((c) => !c.url.includes("ilink/bot"));
  const plaintextOf = (req: RecordedRequest) =>
    decryptAesEcb(req.bytes ?? Buffer.alloc(0), Buffer.from(String(announced.aeskey), "hex"));
  return { client, calls: f.calls, uploads, announced: () => announced, plaintextOf };
}

describe("CDN upload (§2.9, §10.4)", () => {
  it("uploads bytes: getuploadurl fields, the built URL, only Content-Type, a decryptable body", async () => {
    const srv = cdnServer();
    const plain = Buffer.from("hello, wechat".repeat(3));
    const res = await upload(srv.client, {
      bytes: plain,
      toUserId: "u@im.wechat",
      mediaType: UploadMediaType.IMAGE,
    });
    const a = srv.announced();
    expect(a).toMatchObject({
      media_type: 1,
      to_user_id: "u@im.wechat",
      rawsize: plain.length,
      rawfilemd5: createHash("md5").update(plain).digest("hex"),
      filesize: 48,
      no_need_thumb: true,
    });
    expect(a.filekey).toMatch(/^[0-9a-f]{32}$/);
    expect(a.aeskey).toMatch(/^[0-9a-f]{32}$/);
    expect(Object.keys(a).sort()).toEqual(
      [
        "aeskey",
        "base_info",
        "filekey",
        "filesize",
        "media_type",
        "no_need_thumb",
        "rawfilemd5",
        "rawsize",
        "to_user_id",
      ].sort(),
    );
    const up = srv.uploads()[0];
    expect(up?.url).toBe(`http://cdn/c2c/upload?encrypted_query_param=UP%2F%2B%3D&filekey=${a.filekey}`);
    expect(up?.method).toBe("POST");
    expect(up?.headers).toEqual({ "Content-Type": "application/octet-stream" });
    expect(up?.bytes?.length).toBe(48);
    expect(srv.plaintextOf(up as RecordedRequest).equals(plain)).toBe(true);
    expect(res).toEqual({
      encryptQueryParam: "DL",
      aesKeyHex: a.aeskey,
      rawSize: plain.length,
      cipherSize: 48,
      md5: a.rawfilemd5,
      fileKey: a.filekey,
    });
  });

  it("streams a file through the cipher (duplex half) and prefers upload_full_url", async () => {
    const path = join(dir, "big.bin");
    const plain = randomBytes(300_001);
    await writeFile(path, plain);
    const srv = cdnServer(undefined, {
      upload_param: "ignored",
      upload_full_url: " http://full/upload?x=1 ",
    });
    const res = await upload(srv.client, { filePath: path, toUserId: "u", mediaType: UploadMediaType.FILE });
    const up = srv.uploads()[0] as RecordedRequest;
    expect(up.url).toBe("http://full/upload?x=1");
    expect(up.duplex).toBe("half");
    expect(up.bytes?.length).toBe(res.cipherSize);
    expect(res.cipherSize).toBe(300_016);
    expect(srv.plaintextOf(up).equals(plain)).toBe(true);
    expect(res.md5).toBe(createHash("md5").update(plain).digest("hex"));
  });

  it("retries 5xx, 201, a missing x-encrypted-param and dropped connections, 3 attempts in all", async () => {
    const ok = () => new Response(null, { status: 200, headers: { "x-encrypted-param": "DL2" } });
    const srv = cdnServer((_req, n) =>
      n === 1 ? new Response("busy", { status: 503 }) : n === 2 ? connectionRefused() : ok(),
    );
    const path = join(dir, "retry.txt");
    await writeFile(path, "retry me");
    const res = await upload(srv.client, { filePath: path, toUserId: "u", mediaType: UploadMediaType.FILE });
    expect(res.encryptQueryParam).toBe("DL2");
    expect(srv.uploads()).toHaveLength(3);
    // each attempt carried the whole ciphertext again
    for (const up of srv.uploads()) expect(srv.plaintextOf(up).toString()).toBe("retry me");

    const bad = cdnServer((_req, n) =>
      n === 1 ? new Response(null, { status: 201 }) : new Response(null, { status: 200 }),
    );
    const err = await upload(bad.client, { bytes: Buffer.from("x"), toUserId: "u", mediaType: 3 }).catch(
      (e: unknown) => e,
    );
    expect(bad.uploads()).toHaveLength(3);
    expect(err).toMatchObject({
      code: "BAD_RESPONSE",
      message: expect.stringContaining("CDN upload failed after 3 attempts"),
    });
  });

  it("gives up after 3 server errors with the last status", async () => {
    const srv = cdnServer(() => new Response("down", { status: 500 }));
    const err = await upload(srv.client, { bytes: Buffer.from("x"), toUserId: "u", mediaType: 1 }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "HTTP_500", status: 500 });
    expect(srv.uploads()).toHaveLength(3);
  });

  it("a 4xx is final, with the x-error-message header as the reason", async () => {
    const srv = cdnServer(
      () => new Response("body text", { status: 413, headers: { "x-error-message": "file too big" } }),
    );
    const err = await upload(srv.client, { bytes: Buffer.from("x"), toUserId: "u", mediaType: 1 }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: "HTTP_413",
      isRetryable: false,
      message: expect.stringContaining("file too big"),
    });
    expect(srv.uploads()).toHaveLength(1);
    const srv2 = cdnServer(() => new Response("md5 mismatch", { status: 400 }));
    const err2 = await upload(srv2.client, { bytes: Buffer.from("x"), toUserId: "u", mediaType: 1 }).catch(
      (e: unknown) => e,
    );
    expect((err2 as Error).message).toContain("md5 mismatch");
  });

  it("no upload URL → NO_UPLOAD_URL; over maxBytes → TOO_LARGE; missing file → FILE_UNREADABLE (no CDN call)", async () => {
    const srv = cdnServer(undefined, {});
    await expect(
      upload(srv.client, { bytes: Buffer.from("x"), toUserId: "u", mediaType: 1 }),
    ).rejects.toMatchObject({
      code: "NO_UPLOAD_URL",
    });
    await expect(
      upload(srv.client, { bytes: Buffer.alloc(11), toUserId: "u", mediaType: 1, maxBytes: 10 }),
    ).rejects.toMatchObject({ code: "TOO_LARGE" });
    await expect(
      upload(srv.client, { filePath: join(dir, "nope"), toUserId: "u", mediaType: 1 }),
    ).rejects.toMatchObject({ code: "FILE_UNREADABLE" });
    expect(srv.uploads()).toHaveLength(0);
  });
});

describe("CDN download (§2.10, §10.3)", () => {
  const key = randomBytes(16);
  const plain = randomBytes(5000);
  const cipher = encryptAesEcb(plain, key);

  function cdn(body: Buffer | string, status = 200, headers: Record<string, string> = {}) {
    return fakeFetch(() => new Response(body, { status, headers }));
  }

  it("prefers full_url, else builds /download?encrypted_query_param=, and decrypts", async () => {
    const f = cdn(cipher);
    const a = await download(
      { full_url: "http://full/x", encrypt_query_param: "e" },
      { fetch: f.fetch, key },
    );
    expect(f.calls[0]?.url).toBe("http://full/x");
    expect("bytes" in a && a.bytes.equals(plain)).toBe(true);
    await download({ encrypt_query_param: "a b/+" }, { fetch: f.fetch, key, cdnBaseUrl: "http://cdn/c2c" });
    expect(f.calls[1]?.url).toBe("http://cdn/c2c/download?encrypted_query_param=a%20b%2F%2B");
    expect(f.calls[1]?.headers).toEqual({});
  });

  it("downloads unencrypted media as is when there is no key", async () => {
    const f = cdn(plain);
    const r = await download({ encrypt_query_param: "e" }, { fetch: f.fetch });
    expect("bytes" in r && r.bytes.equals(plain)).toBe(true);
  });

  it("streams into a file with mode 0600", async () => {
    const f = cdn(cipher);
    const path = join(dir, "out.bin");
    const r = await download({ encrypt_query_param: "e" }, { fetch: f.fetch, key, toFile: path });
    expect(r).toEqual({ path, size: plain.length });
    expect((await readFile(path)).equals(plain)).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("non-2xx → HTTP_<status>; no URL → NO_MEDIA", async () => {
    await expect(
      download({ encrypt_query_param: "e" }, { fetch: cdn("gone", 404).fetch }),
    ).rejects.toMatchObject({
      code: "HTTP_404",
    });
    await expect(download({}, { fetch: cdn("").fetch })).rejects.toMatchObject({ code: "NO_MEDIA" });
  });

  it("over maxBytes → TOO_LARGE, by Content-Length or while streaming, and no partial file is left", async () => {
    await expect(
      download(
        { encrypt_query_param: "e" },
        { fetch: cdn(cipher, 200, { "content-length": String(cipher.length) }).fetch, key, maxBytes: 1000 },
      ),
    ).rejects.toMatchObject({ code: "TOO_LARGE" });
    const stream = fakeFetch(() => new Response(new Blob([plain]).stream()));
    const path = join(dir, "partial.bin");
    await expect(
      download({ encrypt_query_param: "e" }, { fetch: stream.fetch, maxBytes: 1000, toFile: path }),
    ).rejects.toMatchObject({ code: "TOO_LARGE" });
    await expect(stat(path)).rejects.toThrow();
  });

  it("truncated ciphertext or a wrong key → DECRYPT_FAILED", async () => {
    await expect(
      download({ encrypt_query_param: "e" }, { fetch: cdn(cipher.subarray(0, 4000 + 7)).fetch, key }),
    ).rejects.toMatchObject({ code: "DECRYPT_FAILED" });
    await expect(
      download({ encrypt_query_param: "e" }, { fetch: cdn(cipher).fetch, key: randomBytes(16) }),
    ).rejects.toMatchObject({ code: "DECRYPT_FAILED" });
  });

  it("a dropped connection → NETWORK; an abort → ABORTED", async () => {
    await expect(
      download({ encrypt_query_param: "e" }, { fetch: () => connectionRefused() }),
    ).rejects.toMatchObject({
      code: "NETWORK",
    });
    const ac = new AbortController();
    ac.abort();
    const f = fakeFetch((req) =>
      req.signal?.aborted ? Promise.reject(req.signal.reason) : new Response("x"),
    );
    await expect(
      download({ encrypt_query_param: "e" }, { fetch: f.fetch, signal: ac.signal }),
    ).rejects.toMatchObject({
      code: "ABORTED",
    });
  });
});
