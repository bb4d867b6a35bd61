/**
 * A body read whole, but never past a bound: what an HTTP peer sends may have no length and no
 * end, and the bytes would pile up in the memory every account (and, beside `npm start`, the
 * simulator) shares. Used by the SDK's exchanges and the simulator's CDN uploads.
 */

/** The bytes of `body`, or undefined once they pass `maxBytes` (the stream is cancelled there). */
export async function readBounded(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Buffer | undefined> {
  if (!body) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, size);
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
}
