/**
 * The C2C media CDN (§2.9, §2.10). Upload: `POST /c2c/upload?encrypted_query_param=&filekey=`
 * with the ciphertext; the length must equal the announced `filesize`, the plaintext (decrypted
 * with getuploadurl's hex `aeskey`) must match `rawsize` and `rawfilemd5`. Success is exactly 200
 * with the download parameter in `x-encrypted-param`; errors are 4xx with `x-error-message`.
 * Download: `GET /c2c/download?encrypted_query_param=` serves the stored ciphertext.
 */
import { type Context, Hono } from "hono";
import { CDN_QUERY_KEY, Header } from "../ilink/wire.js";
import { readBounded } from "../shared/bounded-body.js";
import { decryptEcb, md5Hex, sha256Hex } from "./crypto.js";
import { emit, type SimState } from "./state.js";

function cdnError(c: Context, status: 400 | 403 | 404 | 413, message: string): Response {
  return c.body(message, status, { [Header.errorMessage]: message, "content-type": "text/plain" });
}

export function cdnRoutes(state: SimState): Hono {
  const app = new Hono();

  app.post("/upload", async (c) => {
    const param = c.req.query(CDN_QUERY_KEY);
    const filekey = c.req.query("filekey");
    if (!param) return cdnError(c, 400, `missing ${CDN_QUERY_KEY}`);
    const session = state.uploads.get(param);
    if (!session) return cdnError(c, 403, `unknown ${CDN_QUERY_KEY}`);
    if (!filekey || filekey.toLowerCase() !== session.filekey)
      return cdnError(c, 400, "filekey does not match");
    const account = state.accounts.get(session.account_id);
    if (account?.token_state !== "live") return cdnError(c, 403, "upload authorisation expired");
    // A client retry after a lost answer: the object is already stored, give the same answer.
    if (session.download_param) return c.body(null, 200, { [Header.encryptedParam]: session.download_param });
    const declared = Number(c.req.header("content-length"));
    if (Number.isFinite(declared) && declared > 0 && declared !== session.filesize)
      return cdnError(c, 400, `body length ${declared} does not match filesize ${session.filesize}`);
    // Read no further than the session's size: a body without Content-Length could be endless.
    const ciphertext = await readBounded(c.req.raw.body, session.filesize);
    if (!ciphertext) return cdnError(c, 413, `body longer than filesize ${session.filesize}`);
    if (ciphertext.length !== session.filesize)
      return cdnError(c, 400, `body length ${ciphertext.length} does not match filesize ${session.filesize}`);
    let plain: Buffer;
    try {
      plain = decryptEcb(ciphertext, session.aeskey);
    } catch {
      return cdnError(c, 400, "decryption failed: body is not AES-128-ECB/PKCS#7 under aeskey");
    }
    if (plain.length !== session.rawsize)
      return cdnError(c, 400, `plaintext length ${plain.length} does not match rawsize ${session.rawsize}`);
    if (md5Hex(plain) !== session.rawfilemd5)
      return cdnError(c, 400, "plaintext md5 does not match rawfilemd5");
    const downloadParam = state.prng.bytes(36).toString("base64url");
    const sha256 = sha256Hex(plain);
    state.cdn.set(downloadParam, {
      ciphertext,
      key: session.aeskey,
      size: plain.length,
      sha256,
      md5: session.rawfilemd5,
    });
    session.download_param = downloadParam;
    emit(state, "cdn.upload", {
      account_id: session.account_id,
      media_type: session.media_type,
      size: plain.length,
      sha256,
    });
    return c.body(null, 200, { [Header.encryptedParam]: downloadParam });
  });

  app.get("/download", (c) => {
    const param = c.req.query(CDN_QUERY_KEY);
    if (!param) return cdnError(c, 400, `missing ${CDN_QUERY_KEY}`);
    const object = state.cdn.get(param);
    if (!object) return cdnError(c, 404, "object not found");
    emit(state, "cdn.download", { size: object.ciphertext.length });
    const { ciphertext } = object;
    // A view, not a copy: a 20 MB object is served from the one buffer it is stored in.
    return c.body(
      new Uint8Array(ciphertext.buffer as ArrayBuffer, ciphertext.byteOffset, ciphertext.length),
      200,
      {
        "content-type": "application/octet-stream",
        "content-length": String(ciphertext.length),
      },
    );
  });

  return app;
}
