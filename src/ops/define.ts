/**
 * One definition per operation serves both faces: the MCP server registers it as a tool, the REST
 * API mounts it as a route, and the OpenAPI document is generated from its zod schema.
 */
import { z } from "zod";
import type { OpsContext } from "./context.js";
import { OpsError, toOpsError } from "./errors.js";

export interface OpOutcome {
  /** The JSON answer (MCP: the tool's text and structured content; REST: the body). */
  data: Record<string, unknown>;
  /** An image to show beside it (the login QR code). */
  image?: { mimeType: string; base64: string };
}

export interface RestRoute {
  method: "GET" | "POST";
  /** Under `/api`, Hono syntax (`/login/:login_id`); path params are input fields of the same name. */
  path: string;
}

export interface OpSpec<S extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: S;
  /** Reads only (MCP `readOnlyHint`). */
  readOnly: boolean;
  rest: RestRoute;
  run(ctx: OpsContext, input: z.output<S>, signal: AbortSignal): Promise<OpOutcome>;
}

export interface Op {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly input: z.ZodObject;
  readonly readOnly: boolean;
  readonly rest: RestRoute;
  /** Validate `raw` and run. Every failure is an OpsError (BAD_INPUT for invalid input). */
  invoke(ctx: OpsContext, raw: unknown, signal: AbortSignal): Promise<OpOutcome>;
}

export function defineOp<S extends z.ZodObject>(spec: OpSpec<S>): Op {
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    input: spec.input,
    readOnly: spec.readOnly,
    rest: spec.rest,
    async invoke(ctx, raw, signal) {
      const parsed = spec.input.safeParse(raw ?? {});
      if (!parsed.success) throw badInput(spec.name, parsed.error);
      try {
        return await spec.run(ctx, parsed.data, signal);
      } catch (err) {
        const e = toOpsError(err);
        if (e.code === "INTERNAL") ctx.logger.error({ op: spec.name, err: e.message }, "operation failed");
        throw e;
      }
    },
  };
}

function badInput(op: string, error: z.ZodError): OpsError {
  const problems = error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ");
  return new OpsError("BAD_INPUT", `${op}: invalid input (${problems}); see the tool's input schema`);
}

/** Numbers in GET operations arrive as query strings: accept both. */
export const queryInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
