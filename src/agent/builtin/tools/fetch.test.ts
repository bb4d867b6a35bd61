import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UrlRefusedError } from "../../../shared/url/index.js";
import { builtinAgentConfigSchema } from "../config.js";
import { guardedFetch } from "./fetch.js";
import { AddressRefusedError, isBlockedAddress, type Resolver } from "./netguard.js";

const limits = { timeoutMs: 5000, maxBytes: 1000, allowAddresses: [] as string[] };

async function refusal(url: string, extra: Partial<typeof limits> & { resolver?: Resolver } = {}) {
  const err = await guardedFetch(url, { ...limits, ...extra }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AddressRefusedError);
  return (err as Error).message;
}

describe("isBlockedAddress", () => {
  it.each([
    "127.0.0.1",
    "127.1.2.3",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.254",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:169.254.169.254",
    "64:ff9b::10.0.0.1",
    "2002:7f00:1::",
    "not-an-ip",
  ])("blocks %s", (a) => {
    expect(isBlockedAddress(a)).toBe(true);
  });

  it.each(["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"])(
    "allows %s",
    (a) => {
      expect(isBlockedAddress(a)).toBe(false);
    },
  );
});

describe("guardedFetch", () => {
  let server: Server;
  let port: number;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? "");
      if (req.url === "/to-metadata") {
        res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
      } else if (req.url === "/to-v6-loopback") {
        res.writeHead(301, { location: `http://[::1]:${port}/ok` }).end();
      } else if (req.url === "/big") {
        res.writeHead(200, { "content-type": "text/plain" }).end("x".repeat(5000));
      } else {
        res.writeHead(200, { "content-type": "text/plain" }).end("hello");
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("refuses loopback, private, link-local and IPv6 loopback literals without connecting", async () => {
    const before = hits.length;
    await refusal(`http://127.0.0.1:${port}/`);
    await refusal("http://10.0.0.1/");
    await refusal("http://169.254.169.254/latest/meta-data/");
    await refusal(`http://[::1]:${port}/`);
    expect(hits.length).toBe(before);
  });

  it("refuses a hostname that resolves to loopback (localhost, via real DNS)", async () => {
    expect(await refusal(`http://localhost:${port}/`)).toMatch(/localhost resolves to/);
  });

  it("refuses when any resolved address is private, even if another is public", async () => {
    const resolver: Resolver = async () => [
      { address: "93.184.216.34", family: 4 },
      { address: "10.0.0.5", family: 4 },
    ];
    await refusal("http://mixed.example/", { resolver });
  });

  it("connects only to the addresses it checked (a DNS answer that changes to loopback is never used)", async () => {
    // The vetted answer is 127.0.0.2 (allowed for this port); every later answer is 127.0.0.1,
    // where the "internal" server of this file listens on the same port.
    const vetted = createServer((_req, res) => res.end("vetted"));
    await new Promise<void>((r) => vetted.listen(port, "127.0.0.2", r));
    try {
      let calls = 0;
      const rebinding: Resolver = async () => {
        calls += 1;
        return [{ address: calls === 1 ? "127.0.0.2" : "127.0.0.1", family: 4 }];
      };
      const before = hits.length;
      const r = await guardedFetch(`http://rebind.example:${port}/`, {
        ...limits,
        resolver: rebinding,
        allowAddresses: [`127.0.0.2:${port}`],
      });
      expect(r.body.toString()).toBe("vetted");
      expect(calls).toBe(1);
      expect(hits.length).toBe(before);
    } finally {
      vetted.closeAllConnections();
      await new Promise((r) => vetted.close(r));
    }
  });

  it("refuses non-http schemes and URLs with credentials", async () => {
    await refusal("file:///etc/passwd");
    await refusal("ftp://example.com/");
    await refusal("http://user:pw@example.com/");
  });

  it("with an address explicitly allowed, fetches it, caps the size, and refuses redirects to forbidden addresses", async () => {
    const allowAddresses = [`127.0.0.1:${port}`];
    const ok = await guardedFetch(`http://127.0.0.1:${port}/ok`, { ...limits, allowAddresses });
    expect(ok.status).toBe(200);
    expect(ok.body.toString()).toBe("hello");
    const big = await guardedFetch(`http://127.0.0.1:${port}/big`, { ...limits, allowAddresses });
    expect(big.body.length).toBe(1000);
    expect(big.truncated).toBe(true);
    await refusal(`http://127.0.0.1:${port}/to-metadata`, { allowAddresses });
    await refusal(`http://127.0.0.1:${port}/to-v6-loopback`, { allowAddresses });
  });
});

describe("fetch_url's allowed addresses", () => {
  let outer: Server;
  let inner: Server;
  let port: number;
  let innerPort: number;
  const innerHits: string[] = [];

  beforeAll(async () => {
    inner = createServer((req, res) => {
      innerHits.push(req.url ?? "");
      res.end("internal secret");
    });
    await new Promise<void>((r) => inner.listen(0, "127.0.0.1", r));
    innerPort = (inner.address() as AddressInfo).port;
    outer = createServer((_req, res) => res.end("outer ok"));
    await new Promise<void>((r) => outer.listen(0, "127.0.0.1", r));
    port = (outer.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const s of [outer, inner]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it("the built-in agent's config says so when tools.fetchAllowAddresses has a bare address", () => {
    const issues = (fetchAllowAddresses: string[]) =>
      (builtinAgentConfigSchema.safeParse({ tools: { fetchAllowAddresses } }).error?.issues ?? []).filter(
        (i) => i.path.includes("fetchAllowAddresses"),
      );
    expect(issues(["10.0.0.5:8080", "[fd00::5]:443"])).toEqual([]);
    expect(JSON.stringify(issues(["10.0.0.5"]))).toMatch(/would open every port/);
  });

  it("an allowed address opens its own port only", async () => {
    const limits = { timeoutMs: 5000, maxBytes: 1000 };
    const ok = await guardedFetch(`http://127.0.0.1:${port}/`, {
      ...limits,
      allowAddresses: [`127.0.0.1:${port}`],
    });
    expect(ok.body.toString()).toBe("outer ok");
    const before = innerHits.length;
    await expect(
      guardedFetch(`http://127.0.0.1:${innerPort}/`, { ...limits, allowAddresses: [`127.0.0.1:${port}`] }),
    ).rejects.toBeInstanceOf(UrlRefusedError);
    await expect(
      guardedFetch(`http://127.0.0.1:${innerPort}/`, { ...limits, allowAddresses: ["127.0.0.1"] }),
    ).rejects.toThrow(/with a port/);
    expect(innerHits.length).toBe(before);
  });
});
