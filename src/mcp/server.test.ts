import { describe, expect, it } from "vitest";
import { OpsError } from "../ops/errors.js";
import { toToolError } from "./server.js";

describe("toToolError", () => {
  it("carries code, message and retryable in the structured answer", () => {
    const flaky = toToolError(new OpsError("SEND_FAILED", "the server did not answer; try again"));
    expect(flaky).toEqual({
      isError: true,
      content: [{ type: "text", text: "SEND_FAILED: the server did not answer; try again" }],
      structuredContent: {
        error: { code: "SEND_FAILED", message: "the server did not answer; try again", retryable: true },
      },
    });
    const bad = toToolError(new OpsError("BAD_INPUT", "no `to`"));
    expect(bad.structuredContent).toEqual({
      error: { code: "BAD_INPUT", message: "no `to`", retryable: false },
    });
  });

  it("maps a foreign error to INTERNAL, not retryable", () => {
    const r = toToolError(new Error("boom"));
    expect(r.structuredContent).toMatchObject({ error: { code: "INTERNAL", retryable: false } });
  });
});
