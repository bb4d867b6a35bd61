/**
 * Which IP addresses a fetch on behalf of a contact, a model or the iLink server may never reach:
 * loopback, private, link-local (cloud metadata 169.254.169.254), CGNAT, benchmarking,
 * documentation, multicast, reserved, ULA, and every IPv6 spelling that carries an IPv4 address
 * inside it (mapped `::ffff:a.b.c.d`, SIIT `::ffff:0:a.b.c.d`, compatible `::a.b.c.d`, NAT64
 * `64:ff9b::/96`, 6to4 `2002::/16`) is judged by that IPv4. Teredo `2001::/32` and the rest of the
 * IETF block `2001::/23` are refused outright; anything outside global unicast `2000::/3` is too.
 */
import { BlockList, isIP } from "node:net";

const v4 = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // CGNAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // TEST-NET-1
  ["192.31.196.0", 24], // AS112
  ["192.52.193.0", 24], // AMT
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["192.175.48.0", 24], // AS112 direct delegation
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // TEST-NET-2
  ["203.0.113.0", 24], // TEST-NET-3
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  v4.addSubnet(net, prefix, "ipv4");
}

const v6 = new BlockList();
for (const [net, prefix] of [
  ["64:ff9b:1::", 48], // local-use NAT64 (RFC 8215)
  ["100::", 64], // discard-only
  ["2001::", 23], // IETF protocol assignments: Teredo 2001::/32, benchmarking, ORCHID, …
  ["2001:db8::", 32], // documentation
  ["3fff::", 20], // documentation (RFC 9637)
  ["5f00::", 16], // SRv6 SIDs
] as const) {
  v6.addSubnet(net, prefix, "ipv6");
}

/** Eight 16-bit groups of a valid IPv6 address (an embedded dotted IPv4 tail included). */
export function hextets(address: string): number[] | undefined {
  let a = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (dotted) {
    const p = dotted.slice(1, 5).map(Number);
    if (p.some((n) => n > 255)) return undefined;
    const [b0 = 0, b1 = 0, b2 = 0, b3 = 0] = p;
    a = `${a.slice(0, -dotted[0].length)}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const halves = a.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0) return undefined;
  const groups = [...head, ...Array<string>(fill).fill("0"), ...tail];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return groups.map((g) => Number.parseInt(g, 16));
}

function v4From(hi: number, lo: number): string {
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** The IPv4 an IPv6 address carries (mapped, SIIT, compatible, NAT64, 6to4), if it is one of those. */
export function embeddedIPv4(h: readonly number[]): string | undefined {
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = h;
  const zero4 = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0;
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible; :: and ::1 are handled before)
  if (zero4 && g4 === 0 && (g5 === 0xffff || g5 === 0)) return v4From(g6, g7);
  // ::ffff:0:a.b.c.d (SIIT, RFC 2765)
  if (zero4 && g4 === 0xffff && g5 === 0) return v4From(g6, g7);
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return v4From(g6, g7);
  // 2002:AABB:CCDD::/48 (6to4)
  if (g0 === 0x2002) return v4From(g1 ?? 0, g2 ?? 0);
  return undefined;
}

/** The address without brackets and zone, lowercased. */
export function bareAddress(address: string): string {
  return address
    .replace(/^\[|\]$/g, "")
    .replace(/%.*$/, "")
    .toLowerCase();
}

/** True when the address must not be reached. Anything that is not an IP literal is blocked. */
export function isBlockedAddress(address: string): boolean {
  const a = bareAddress(address);
  const family = isIP(a);
  if (family === 4) return v4.check(a, "ipv4");
  if (family !== 6) return true;
  const h = hextets(a);
  if (!h) return true;
  if (h.every((g, i) => g === 0 || (i === 7 && g === 1))) return true; // :: and ::1
  const inner = embeddedIPv4(h);
  if (inner !== undefined) return v4.check(inner, "ipv4");
  if (v6.check(a, "ipv6")) return true;
  // Only global unicast 2000::/3 is public: ULA, link-local, site-local and multicast are not.
  return ((h[0] ?? 0) & 0xe000) !== 0x2000;
}
