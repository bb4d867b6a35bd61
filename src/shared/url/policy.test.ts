import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isBlockedAddress } from "./address.js";
import { policyFetch } from "./fetch.js";
import { createUrlPolicy, parseAllowAddresses, type Resolver, UrlRefusedError } from "./policy.js";

describe("isBlockedAddress: every IPv6 spelling of a private IPv4, and the special IPv6 blocks", () => {
  it.each([
    "::ffff:0:127.0.0.1", // SIIT
    "::ffff:0:7f00:1",
    "::ffff:0:169.254.169.254",
    "[::ffff:0:a9fe:a9fe]",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
    "2001::1",
    "2001:2::1", // benchmarking
    "::127.0.0.1", // IPv4-compatible
    "::a00:1",
    "64:ff9b::127.0.0.1", // NAT64
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::1", // local-use NAT64
    "2002:a9fe:a9fe::1", // 6to4 of 169.254.169.254
    "2002:0a00:0001::",
    "fe80::1",
    "fe80::1%25eth0",
    "fec0::1",
    "fc00::1",
    "fdff:ffff::1",
    "ff02::1",
    "::",
    "::1",
    "0:0:0:0:0:0:0:1",
    "2001:db8::1",
    "3fff::1",
    "100::1",
    "4000::1",
    "198.18.0.1",
    "198.19.255.255",
    "100.64.0.1",
    "192.0.0.8",
    "0.1.2.3",
    "1:2:3:4:5:6:7:8:9",
    "::ffff:1.2.3.400",
  ])("blocks %s", (a) => {
    expect(isBlockedAddress(a)).toBe(true);
  });

  it.each([
    "2606:4700::1111",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::8.8.8.8",
    "2002:0808:0808::1",
  ])("allows %s", (a) => {
    expect(isBlockedAddress(a)).toBe(false);
  });

  it("refuses the spellings as URL literals too (the URL parser's canonical form)", async () => {
    const policy = createUrlPolicy({ hosts: "public" });
    for (const url of [
      "http://[::ffff:0:127.0.0.1]/",
      "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
      "http://[64:ff9b::7f00:1]/",
    ]) {
      await expect(policy.vet(url), url).rejects.toBeInstanceOf(UrlRefusedError);
    }
  });
});

describe("allow entries", () => {
  it("an allowed address is address:port; a bare address (every port) is a configuration error", () => {
    expect(parseAllowAddresses(["127.0.0.1:8080", "[::1]:9"])).toEqual(new Set(["127.0.0.1|8080", "::1|9"]));
    expect(() => parseAllowAddresses(["127.0.0.1"])).toThrow(/with a port/);
    expect(() => parseAllowAddresses(["intranet.local:80"])).toThrow(/IP address/);
  });

  it("a CDN host without a port allows 80 and 443 only", async () => {
    const resolver: Resolver = async () => [{ address: "93.184.216.34", family: 4 }];
    const policy = createUrlPolicy({ hosts: ["cdn.example.com", "alt.example.com:8443"], resolver });
    await expect(policy.vet("https://cdn.example.com/x")).resolves.toMatchObject({ trusted: false });
    await expect(policy.vet("https://cdn.example.com:8443/x")).rejects.toThrow(/not an allowed host/);
    await expect(policy.vet("https://alt.example.com:8443/x")).resolves.toBeTruthy();
    await expect(policy.vet("https://alt.example.com/x")).rejects.toThrow(/not an allowed host/);
    await expect(policy.vet("https://other.example.com/x")).rejects.toThrow(/not an allowed host/);
  });
});

describe("policyFetch over loopback servers", () => {
  let outer: Server;
  let inner: Server;
  let vettedServer: Server;
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
    outer = createServer((req, res) => {
      if (req.url === "/to-loopback")
        res.writeHead(302, { location: `http://127.0.0.1:${innerPort}/admin` }).end();
      else if (req.url === "/to-localhost")
        res.writeHead(307, { location: `http://localhost:${innerPort}/` }).end();
      else if (req.url === "/loop") res.writeHead(302, { location: "/loop" }).end();
      else res.end("outer ok");
    });
    await new Promise<void>((r) => outer.listen(0, "127.0.0.1", r));
    port = (outer.address() as AddressInfo).port;
    // Same port as `inner`, on another loopback address: what the vetted DNS answer points at.
    vettedServer = createServer((_req, res) => res.end("vetted"));
    await new Promise<void>((r) => vettedServer.listen(innerPort, "127.0.0.2", r));
  });
  afterAll(async () => {
    for (const s of [outer, inner, vettedServer]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it("refuses a redirect to loopback at every hop, and a redirect loop", async () => {
    const policy = createUrlPolicy({ hosts: "public", allowAddresses: [`127.0.0.1:${port}`] });
    const before = innerHits.length;
    await expect(policyFetch(policy, `http://127.0.0.1:${port}/to-loopback`)).rejects.toThrow(/127\.0\.0\.1/);
    await expect(policyFetch(policy, `http://127.0.0.1:${port}/to-localhost`)).rejects.toThrow(
      /localhost resolves to/,
    );
    await expect(policyFetch(policy, `http://127.0.0.1:${port}/loop`)).rejects.toThrow(
      /more than 5 redirects/,
    );
    expect(innerHits.length).toBe(before);
  });

  it("a trusted base URL (the account's own) is reached, but its redirects are vetted like any other", async () => {
    const policy = createUrlPolicy({ hosts: [], trusted: [`http://127.0.0.1:${port}/c2c`] });
    const ok = await policyFetch(policy, `http://127.0.0.1:${port}/ok`);
    expect(await ok.response.text()).toBe("outer ok");
    const before = innerHits.length;
    await expect(policyFetch(policy, `http://127.0.0.1:${port}/to-loopback`)).rejects.toThrow(
      /not an allowed host/,
    );
    expect(innerHits.length).toBe(before);
  });

  it("DNS is asked once per hop and the connection goes to that answer, not a later one (rebinding)", async () => {
    let calls = 0;
    const rebinding: Resolver = async () => {
      calls += 1;
      return [{ address: calls === 1 ? "127.0.0.2" : "127.0.0.1", family: 4 }];
    };
    const policy = createUrlPolicy({
      hosts: [`rebind.example:${innerPort}`],
      allowAddresses: [`127.0.0.2:${innerPort}`],
      resolver: rebinding,
    });
    const before = innerHits.length;
    const r = await policyFetch(policy, `http://rebind.example:${innerPort}/`);
    expect(await r.response.text()).toBe("vetted");
    expect(calls).toBe(1);
    expect(innerHits.length).toBe(before);
  });
});
