import { describe, expect, it } from "vitest";
import { createCdnUrlPolicy } from "./urls.js";

const resolver = async (host: string) =>
  host === "cdn.example.com"
    ? [{ address: "93.184.216.34", family: 4 }]
    : host === "sneaky.example.com"
      ? [{ address: "127.0.0.1", family: 4 }]
      : host === "novac2c.cdn.weixin.qq.com"
        ? [{ address: "101.91.0.1", family: 4 }]
        : [];

const policy = createCdnUrlPolicy({
  cdnBaseUrl: "http://127.0.0.1:8790/c2c",
  baseUrl: "http://127.0.0.1:8790",
  allowHosts: ["cdn.example.com", "sneaky.example.com"],
  resolver,
});

describe("CDN URL policy", () => {
  it("keeps full_url on the account's own host (a loopback simulator) and on the default CDN", async () => {
    const own = { full_url: "http://127.0.0.1:8790/c2c/download?x=1", encrypt_query_param: "P" };
    expect((await policy.vet(own)).media.full_url).toBe(own.full_url);
    const wx = { full_url: "https://novac2c.cdn.weixin.qq.com/c2c/download?x=1" };
    expect((await policy.vet(wx)).refused).toBeUndefined();
    expect((await policy.vet({ full_url: "https://cdn.example.com/a" })).refused).toBeUndefined();
  });

  it("drops full_url to loopback on another port, private, link-local and unlisted hosts, keeping the parameter", async () => {
    for (const url of [
      "http://127.0.0.1:9999/admin",
      "http://10.1.2.3/x",
      "http://169.254.169.254/latest/meta-data",
      "http://[::1]:8790/x",
      "https://evil.example.org/x",
      "https://sneaky.example.com/x", // allowlisted, but resolves to loopback
      "http://user:pw@127.0.0.1:8790/c2c",
      "file:///etc/passwd",
    ]) {
      const vetted = await policy.vet({ full_url: url, encrypt_query_param: "P" });
      expect(vetted.media.full_url, url).toBeUndefined();
      expect(vetted.media.encrypt_query_param).toBe("P");
      expect(vetted.refused, url).toBeTruthy();
    }
  });

  it("an allowlisted CDN host whose DNS answer hides a private IPv4 in IPv6 (SIIT, Teredo, NAT64) is dropped", async () => {
    for (const address of [
      "::ffff:0:127.0.0.1",
      "2001:0:4136:e378:8000:63bf:3fff:fdd2",
      "64:ff9b::a9fe:a9fe",
    ]) {
      const p = createCdnUrlPolicy({
        cdnBaseUrl: "http://127.0.0.1:8790/c2c",
        allowHosts: ["cdn.example.com"],
        resolver: async () => [{ address, family: 6 }],
      });
      const vetted = await p.vet({ full_url: "https://cdn.example.com/a", encrypt_query_param: "P" });
      expect(vetted.media.full_url, address).toBeUndefined();
      expect(vetted.refused, address).toMatch(/loopback, private or link-local/);
    }
  });

  it("an allowed private address is address:port: a bare one is refused (it would open every port)", () => {
    expect(() =>
      createCdnUrlPolicy({ cdnBaseUrl: "http://127.0.0.1:8790/c2c", allowAddresses: ["10.0.0.5"] }),
    ).toThrow(/with a port/);
  });

  it("refuses with a typed error when nothing is left to download from", async () => {
    await expect(policy.vet({ full_url: "http://10.0.0.1/x" })).rejects.toMatchObject({
      code: "MEDIA_URL_REFUSED",
    });
    await expect(policy.vet({})).rejects.toMatchObject({ code: "MEDIA_MISSING" });
  });
});
