/**
 * SSRF guard for fetch_url: which addresses the agent may never reach (loopback, private,
 * link-local incl. cloud metadata 169.254.169.254, CGNAT, multicast, reserved, ULA fc00::/7,
 * fe80::/10, and IPv4 hidden inside IPv6 forms), and a DNS lookup for node:http that checks
 * every resolved address and connects to exactly the address it checked (no rebinding window).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";

const v4 = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  v4.addSubnet(net, prefix, "ipv4");
}

const v6 = new BlockList();
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
  ["2001:db8::", 32],
  ["100::", 64],
] as const) {
  v6.addSubnet(net, prefix, "ipv6");
}

/** Eight 16-bit groups of an IPv6 address (with an embedded dotted IPv4 tail handled). */
function hextets(addr: string): number[] | undefined {
  let a = addr;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (dotted?.[1]) {
    const p = dotted[1].split(".").map(Number);
    a = `${a.slice(0, -dotted[1].length)}${(((p[0] ?? 0) << 8) | (p[1] ?? 0)).toString(16)}:${(((p[2] ?? 0) << 8) | (p[3] ?? 0)).toString(16)}`;
  }
  const [head, tail] = a.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const all = [...h, ...Array<string>(Math.max(0, fill)).fill("0"), ...t].map((x) => Number.parseInt(x, 16));
  return all.length === 8 && all.every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffff) ? all : undefined;
}

function v4From(hi: number, lo: number): string {
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True when the address must not be reached. Anything that is not an IP literal is blocked. */
export function isBlockedAddress(address: string): boolean {
  const a = address
    .replace(/^\[|\]$/g, "")
    .replace(/%.*$/, "")
    .toLowerCase();
  const family = isIP(a);
  if (family === 4) return v4.check(a, "ipv4");
  if (family !== 6) return true;
  if (v6.check(a, "ipv6")) return true;
  const h = hextets(a);
  if (!h) return true;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = h as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), 64:ff9b::a.b.c.d (NAT64): the IPv4 decides.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && (g5 === 0xffff || g5 === 0)) {
    return v4.check(v4From(g6, g7), "ipv4");
  }
  if (g0 === 0x64 && g1 === 0xff9b) return v4.check(v4From(g6, g7), "ipv4");
  // 6to4 carries an IPv4 in groups 1-2.
  if (g0 === 0x2002) return v4.check(v4From(g1, g2), "ipv4");
  return false;
}

export class AddressRefusedError extends Error {
  override readonly name = "AddressRefusedError";
  readonly code = "FETCH_ADDRESS_REFUSED";
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    );
  });

/** Refuse unless every address is allowed; returns the checked addresses. */
export async function checkHost(hostname: string, allow: ReadonlySet<string>, resolver: Resolver) {
  const bare = hostname.replace(/^\[|\]$/g, "");
  const literal = isIP(bare);
  const addresses: LookupAddress[] = literal ? [{ address: bare, family: literal }] : await resolver(bare);
  if (addresses.length === 0) throw new AddressRefusedError(`${hostname} did not resolve`);
  for (const a of addresses) {
    if (!allow.has(a.address) && isBlockedAddress(a.address)) {
      throw new AddressRefusedError(
        `refused: ${hostname} resolves to ${a.address}, a loopback, private or link-local address`,
      );
    }
  }
  return addresses;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for http.request that resolves, checks every address, and returns only checked ones. */
export function guardedLookup(allow: ReadonlySet<string>, resolver: Resolver) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: LookupCallback,
  ) => {
    checkHost(hostname, allow, resolver).then(
      (addresses) => {
        const fam =
          options.family === 6 || options.family === "IPv6"
            ? 6
            : options.family === 4 || options.family === "IPv4"
              ? 4
              : 0;
        const usable = fam ? addresses.filter((a) => a.family === fam) : addresses;
        const first = usable[0];
        if (!first) return callback(new AddressRefusedError(`${hostname} has no usable address`), "");
        if (options.all) return callback(null, usable);
        return callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ""),
    );
  };
}
