/**
 * The OpenAPI 3.1 document of the REST API, generated from the operations' zod schemas (JSON
 * Schema 2020-12, which OpenAPI 3.1 uses as is). GET operations take their fields as query
 * parameters (path parameters where the route names them); POST operations take a JSON body.
 */
import { z } from "zod";
import type { Op } from "../ops/define.js";
import { HTTP_STATUS } from "../ops/errors.js";
import { VERSION } from "../shared/version.js";

type JsonObject = Record<string, unknown>;

/** Hono `/login/:login_id` → OpenAPI `/login/{login_id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
}

export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string);
}

export function inputJsonSchema(op: Op): JsonObject {
  const schema = z.toJSONSchema(op.input, { io: "input", unrepresentable: "any" }) as JsonObject;
  delete schema.$schema;
  return schema;
}

function parameters(op: Op): JsonObject[] {
  const schema = inputJsonSchema(op);
  const props = (schema.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const inPath = new Set(pathParams(op.rest.path));
  return Object.entries(props)
    .filter(([name]) => op.rest.method === "GET" || inPath.has(name))
    .map(([name, s]) => {
      const { description, ...rest } = s;
      return {
        name,
        in: inPath.has(name) ? "path" : "query",
        required: inPath.has(name) || (required.has(name) && rest.default === undefined),
        ...(typeof description === "string" ? { description } : {}),
        schema: rest,
      };
    });
}

const ERROR_SCHEMA = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: [...Object.keys(HTTP_STATUS), "UNAUTHORIZED", "FORBIDDEN"] },
        message: { type: "string", description: "One sentence: what is wrong and how to fix it" },
      },
    },
  },
};

export function buildOpenApi(ops: readonly Op[], options: { serverUrl?: string } = {}): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const op of ops) {
    const p = `/api${openApiPath(op.rest.path)}`;
    const body =
      op.rest.method === "POST"
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: inputJsonSchema(op) } },
            },
          }
        : {};
    const errorRef = { $ref: "#/components/responses/Error" };
    paths[p] = {
      ...(paths[p] ?? {}),
      [op.rest.method.toLowerCase()]: {
        operationId: op.name,
        summary: op.title,
        description: op.description,
        tags: [op.readOnly ? "read" : "act"],
        parameters: parameters(op),
        ...body,
        responses: {
          "200": {
            description: "The result",
            content: { "application/json": { schema: { type: "object", additionalProperties: true } } },
          },
          "400": errorRef,
          "401": errorRef,
          "404": errorRef,
          "409": errorRef,
          "429": errorRef,
          "502": errorRef,
        },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "wxagent REST API",
      version: VERSION,
      description:
        "The operations of the wxagent MCP server over HTTP: accounts, contacts, messages, sends, media and QR login. Every call needs `Authorization: Bearer <token>` (the token is in <WXAGENT_HOME>/admin-token).",
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { Error: ERROR_SCHEMA },
      responses: {
        Error: {
          description: "An error with a stable code and a sentence naming the fix",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
    },
  };
}
