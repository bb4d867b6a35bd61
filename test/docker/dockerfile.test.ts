/**
 * The Dockerfile, without a Docker engine (none runs on this machine or in CI): linted with
 * dockerfile-utils (the validator behind VS Code's Docker support), its runtime stage checked for
 * what the README promises (Node LTS slim, non-root, WXAGENT_HOME on a volume, a health check on
 * the admin port), and that health check's own command run against a real admin server.
 */
import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { DockerfileParser, type Instruction } from "dockerfile-ast";
import { ValidationSeverity, validate } from "dockerfile-utils";
import { afterAll, describe, expect, it } from "vitest";
import { startAdminServer } from "../../src/admin/server.js";
import { makeFixture } from "../../src/admin/testing.js";
import { configSchema } from "../../src/config/schema.js";

const run = promisify(execFile);
const REPO = join(import.meta.dirname, "..", "..");
const text = readFileSync(join(REPO, "Dockerfile"), "utf8");
const doc = DockerfileParser.parse(text);
const all = doc.getInstructions();
const lastFrom = all.map((i) => i.getKeyword()).lastIndexOf("FROM");
const runtime = all.slice(lastFrom);
const args = (i: Instruction | undefined) => i?.getArgumentsContent() ?? "";
const find = (keyword: string) => runtime.filter((i) => i.getKeyword() === keyword);

/** Every rule the validator has, at error level. */
const strict = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};

/** The health check's exec form, e.g. ["node", "-e", "…"]. */
function healthcheckCommand(): string[] {
  const [hc] = find("HEALTHCHECK");
  const json = /\bCMD\s+(\[.*\])\s*$/s.exec(args(hc))?.[1];
  return JSON.parse(json ?? "[]") as string[];
}

describe("the Dockerfile", () => {
  it("passes the linter with every rule as an error", () => {
    expect(validate(text, strict).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it("(the linter reports a broken health check and a relative WORKDIR)", () => {
    const broken = text.replace("--interval=30s", "--interval=30").replace("WORKDIR /data", "WORKDIR data");
    expect(validate(broken, strict).length).toBeGreaterThanOrEqual(2);
  });

  it("runs on Node LTS slim, as a non-root user, with WXAGENT_HOME on a volume", () => {
    const version = /^ARG NODE_VERSION=(\d+)$/m.exec(text)?.[1];
    expect(Number(version) % 2, "an even Node major is an LTS line").toBe(0);
    expect(Number(version)).toBeGreaterThanOrEqual(20);
    expect(args(runtime[0])).toMatch(/^node:\$\{NODE_VERSION\}-[a-z]+-slim$/);
    const user = find("USER").at(-1);
    expect(args(user)).not.toMatch(/^(root|0)(:|$)/);
    const order = runtime.map((i) => i.getKeyword());
    expect(order.lastIndexOf("USER")).toBeLessThan(order.indexOf("ENTRYPOINT"));
    expect(args(find("ENV")[0])).toMatch(/\bWXAGENT_HOME=\/data\b/);
    expect(JSON.parse(args(find("VOLUME")[0]))).toContain("/data");
    expect(JSON.parse(args(find("ENTRYPOINT")[0]))).toEqual(["wxagent"]);
    expect(JSON.parse(args(find("CMD")[0]))).toEqual(["start"]);
  });

  it("keeps what the host built out of the build context", () => {
    const ignored = readFileSync(join(REPO, ".dockerignore"), "utf8").split("\n");
    for (const p of ["node_modules", "dist", "native/aes-ecb/build", "native/aes-ecb/prebuilds"]) {
      expect(ignored).toContain(p);
    }
  });
});

describe("the health check's command", () => {
  const f = makeFixture();
  afterAll(() => {
    f.store.close();
    rmSync(f.dir, { recursive: true, force: true });
  });
  const [cmd = "", ...cmdArgs] = healthcheckCommand();
  const defaultPort = configSchema.parse({}).admin.port;

  it("probes the default admin port", () => {
    expect(cmd).toBe("node");
    expect(cmdArgs.join(" ")).toContain(`http://127.0.0.1:${defaultPort}/`);
  });

  it("exits 0 while the admin UI answers and 1 once it is gone", async () => {
    const admin = await startAdminServer({ app: f.app, port: 0 });
    const onPort = cmdArgs.map((a) => a.replace(`:${defaultPort}/`, `:${admin.port}/`));
    await expect(run(process.execPath, onPort)).resolves.toBeDefined();
    await admin.close();
    await expect(run(process.execPath, onPort)).rejects.toMatchObject({ code: 1 });
  });
});
