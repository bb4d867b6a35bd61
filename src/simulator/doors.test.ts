import { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { hostRefusal, normalizeHost, originRefusal, servedHosts } from "./doors.js";

describe("simulator doors", () => {
  it("spells a Host one way and rejects what is not a host", () => {
    expect(normalizeHost("LocalHost:8790", 80)).toBe("localhost:8790");
    expect(normalizeHost("127.0.0.1", 80)).toBe("127.0.0.1:80");
    expect(normalizeHost("[::1]:8790", 80)).toBe("[::1]:8790");
    expect(normalizeHost("::1", 8790)).toBe("[::1]:8790");
    for (const bad of ["", "127.0.0.1:8790@evil.example", "a b", "evil/x", "[::1", "127.0.0.1:8790:1"])
      expect(normalizeHost(bad, 80), bad).toBeUndefined();
  });

  it("serves the bound address, the loopback names on a loopback bind, and the machine's addresses on 0.0.0.0", () => {
    expect([...(servedHosts({ bindHost: "127.0.0.1", port: 8790 })?.hosts ?? [])].sort()).toEqual([
      "127.0.0.1:8790",
      "[::1]:8790",
      "localhost:8790",
    ]);
    const named = servedHosts({ bindHost: "192.0.2.7", port: 1, allowedHosts: ["sim.internal", "x:9"] });
    expect([...(named?.hosts ?? [])].sort()).toEqual(["192.0.2.7:1", "sim.internal:1", "x:9"]);
    const wide = servedHosts({ bindHost: "0.0.0.0", port: 8790 });
    const own = Object.values(networkInterfaces())
      .flat()
      .find((a) => a?.family === "IPv4");
    expect(wide?.hosts.has("localhost:8790")).toBe(true);
    if (own) expect(wide?.hosts.has(`${own.address}:8790`)).toBe(true);
    expect(wide?.hosts.has("evil.example:8790")).toBe(false);
    expect(servedHosts({ bindHost: "0.0.0.0", port: 8790, allowedHosts: ["*"] })).toBeUndefined();
  });

  it("says what to do when it refuses", () => {
    const served = servedHosts({ bindHost: "127.0.0.1", port: 8790 });
    expect(hostRefusal("localhost:8790", served)).toBeUndefined();
    expect(hostRefusal("anything", undefined)).toBeUndefined();
    const wrongPort = hostRefusal("localhost:9000", served);
    expect(wrongPort?.code).toBe("HOST_NOT_ALLOWED");
    expect(wrongPort?.message).toContain("--allowed-host localhost:9000");
    expect(hostRefusal(undefined, served)?.message).toContain("no Host header");
    expect(originRefusal(undefined, undefined, "127.0.0.1:8790")).toBeUndefined();
    expect(originRefusal("http://127.0.0.1:8790", "same-origin", "127.0.0.1:8790")).toBeUndefined();
    expect(originRefusal(undefined, "none", "127.0.0.1:8790")).toBeUndefined();
    for (const [origin, site] of [
      ["http://127.0.0.1:8791", undefined],
      ["null", undefined],
      [undefined, "cross-site"],
      [undefined, "same-site"],
    ] as const)
      expect(originRefusal(origin, site, "127.0.0.1:8790")?.code, `${origin} ${site}`).toBe("CROSS_ORIGIN");
  });
});
