import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { hostRefusal, servedHosts, withHostCheck } from "./doors.js";

describe("shared Host check", () => {
  it("answers the loopback names with the bound port, only the bound name otherwise", () => {
    expect([...servedHosts("127.0.0.1", 8791)].sort()).toEqual([
      "127.0.0.1:8791",
      "[::1]:8791",
      "localhost:8791",
    ]);
    expect([...servedHosts("::1", 8791)].sort()).toEqual(["127.0.0.1:8791", "[::1]:8791", "localhost:8791"]);
    expect([...servedHosts("192.0.2.7", 80)]).toEqual(["192.0.2.7:80"]);
  });

  it("refuses another Host with a 403 that names the address to use, and passes its own", async () => {
    const app = new Hono().get("/", (c) => c.text("ok"));
    const served = {
      hosts: servedHosts("127.0.0.1", 8791),
      server: "the admin UI",
      url: "http://127.0.0.1:8791/",
    };
    const fetch = withHostCheck(app.fetch, () => served);
    const ask = (host: string) => fetch(new Request("http://127.0.0.1:8791/", { headers: { host } }));
    const evil = await ask("evil.example:8791");
    expect(evil.status).toBe(403);
    const body = (await evil.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: "HOST_NOT_ALLOWED", retryable: false });
    expect(body.error.message).toContain("http://127.0.0.1:8791/");
    expect((await ask("LOCALHOST:8791")).status).toBe(200);
    expect((await ask("localhost:8792")).status).toBe(403);
    expect(hostRefusal(undefined, served.hosts, "x", "y")?.message).toContain("without a Host header");
  });
});
