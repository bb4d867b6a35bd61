/**
 * The model's answers, bounded in bytes before they are parsed. Every byte of an answer is read,
 * JSON-parsed and scanned on the event loop (twice for a tool call: the body, then the arguments
 * inside it), so an endpoint that answers 4 MB costs every other contact a slower reply, and one
 * that answers 2 GB takes the gateway's memory. No model writes that much in one answer: the
 * longest outputs offered are about 64 000 tokens, about 256 KB of text.
 */
import { WxError } from "../../shared/wx-error.js";

/**
 * Default `maxResponseBytes`: 512 KiB, twice the longest answer a model gives. Every answer byte
 * is read and parsed on the event loop: a 1 MB answer raised another contact's reply time about
 * ×2.4, one of 480 KB about ×2 (`npm run bench:stall`, a loaded machine); a refused one ×1.3.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 512 * 1024;

export class ResponseTooLargeError extends WxError<"RESPONSE_TOO_LARGE"> {
  override readonly name = "ResponseTooLargeError";
  constructor(readonly maxBytes: number) {
    super(
      "RESPONSE_TOO_LARGE",
      `the model's answer was larger than ${Math.round(maxBytes / 1024)} KB (builtin.maxResponseBytes), so it was not read`,
    );
  }
}

/** `fetch` whose response bodies error with ResponseTooLargeError past `maxBytes`. */
export function cappedFetch(inner: typeof fetch, maxBytes: number): typeof fetch {
  return async (input, init) => {
    const res = await inner(input, init);
    if (!res.body) return res;
    let seen = 0;
    const declared = Number(res.headers.get("content-length") ?? 0);
    const body = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        start(controller) {
          if (declared > maxBytes) controller.error(new ResponseTooLargeError(maxBytes));
        },
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > maxBytes) controller.error(new ResponseTooLargeError(maxBytes));
          else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/** The ResponseTooLargeError in an error's cause chain (the AI SDK wraps it), if any. */
export function responseTooLarge(err: unknown): ResponseTooLargeError | undefined {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof ResponseTooLargeError) return e;
  return undefined;
}
