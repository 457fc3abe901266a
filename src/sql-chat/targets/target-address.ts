import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where a registered database may be: the operator's allow-list (`SQL_ALLOWED_HOSTS`, hostnames
 * and CIDRs) and Folio's own database server, which no user may reach through SQL chat.
 */
export interface AddressPolicy {
  allowedHosts: ReadonlySet<string>;
  allowedRanges: BlockList;
  /** Folio's own database server: its addresses and port (none in zero-setup mode: a Unix socket). */
  own: { addresses: readonly string[]; port: number } | undefined;
}

export class TargetAddressError extends Error {}

/** Address ranges refused by default: this host, link-local (cloud metadata), and no-one's. */
const REFUSED_RANGES = new Set(['unspecified', 'loopback', 'linkLocal', 'multicast', 'broadcast', 'reserved']);
/** Cloud metadata endpoints outside the link-local range (AWS's IPv6 one). */
const METADATA = ['fd00:ec2::254'];

type Lookup = (host: string) => Promise<{ address: string; family: number }[]>;
const systemLookup: Lookup = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * `SQL_ALLOWED_HOSTS`: comma-separated hostnames and CIDRs (or single addresses) an operator
 * admits although they would be refused (a database on this host, say).
 */
export function parseAllowedHosts(value: string): Pick<AddressPolicy, 'allowedHosts' | 'allowedRanges'> {
  const allowedHosts = new Set<string>();
  const allowedRanges = new BlockList();
  for (const entry of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    if (entry.includes('/')) {
      const [network, prefix] = ipaddr.parseCIDR(entry);
      allowedRanges.addSubnet(network.toString(), prefix, network.kind() === 'ipv4' ? 'ipv4' : 'ipv6');
    } else if (isIP(entry)) {
      allowedRanges.addAddress(normalise(entry), isIP(normalise(entry)) === 4 ? 'ipv4' : 'ipv6');
    } else {
      allowedHosts.add(entry.toLowerCase());
    }
  }
  return { allowedHosts, allowedRanges };
}

/**
 * Resolves a registered host once and returns the address to pin the connection to, so a DNS
 * answer that changes later (rebinding) cannot move it. Every address the name resolves to must
 * pass: not this host, link-local, unspecified, multicast or reserved, and not Folio's own database
 * server, unless the operator's allow-list admits the name or the address. Errors say why, for a 400.
 */
export async function resolveTarget(
  host: string,
  port: number,
  policy: AddressPolicy,
  lookup: Lookup = systemLookup,
): Promise<string> {
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (!name || name.length > 253 || /[\s/\\@?#]/.test(name)) {
    throw new TargetAddressError('host must be a host name or an IP address');
  }
  let addresses: string[];
  try {
    addresses = isIP(name) ? [name] : (await lookup(name)).map((a) => a.address);
  } catch {
    throw new TargetAddressError(`host ${host} could not be resolved`);
  }
  if (addresses.length === 0) throw new TargetAddressError(`host ${host} could not be resolved`);
  const admittedByName = policy.allowedHosts.has(name);
  for (const raw of addresses) {
    const address = normalise(raw);
    if (admittedByName || policy.allowedRanges.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6')) continue;
    const why = refusal(address, port, policy);
    if (why) {
      throw new TargetAddressError(
        `host ${host} resolves to ${address}, ${why}; an operator can admit it with SQL_ALLOWED_HOSTS`,
      );
    }
  }
  return normalise(addresses[0]);
}

function refusal(address: string, port: number, policy: AddressPolicy): string | undefined {
  const range = ipaddr.parse(address).range();
  if (REFUSED_RANGES.has(range)) return `a ${describe(range)} address`;
  if (METADATA.includes(address)) return 'a cloud metadata address';
  if (policy.own && port === policy.own.port && policy.own.addresses.map(normalise).includes(address)) {
    return "Folio's own database server";
  }
  return undefined;
}

function describe(range: string): string {
  switch (range) {
    case 'loopback':
      return 'loopback (this host)';
    case 'linkLocal':
      return 'link-local (cloud metadata)';
    case 'unspecified':
      return 'unspecified';
    default:
      return range;
  }
}

/** IPv4-mapped IPv6 (::ffff:127.0.0.1) as the IPv4 address it is; IPv6 in its canonical form. */
function normalise(address: string): string {
  const parsed = ipaddr.process(address);
  return parsed.toString();
}
