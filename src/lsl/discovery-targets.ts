/**
 * The destinations of a resolver's discovery queries under an LSL configuration, and whether a
 * configuration keeps LSL on this machine.
 */

import { isIPv4, isIPv6 } from "node:net";
import { RESOLVE_SCOPES, type LslConfig, type ResolveScope } from "./config.js";

/** One destination of a resolver's discovery query. */
export interface DiscoveryTarget {
  readonly address: string;
  readonly port: number;
  /** Delivery mode: a group send, the limited broadcast 255.255.255.255, or a send to one host. */
  readonly kind: "multicast" | "broadcast" | "unicast";
  /** The address's IP family, or `hostname` for a name the sender must look up. */
  readonly family: "ipv4" | "ipv6" | "hostname";
  /**
   * The list the target came from: `addresses` (scope pools or override, sent at the start of
   * each wave to the multicast port) or `knownPeers` (sent `multicastMinRttS` later).
   */
  readonly origin: "addresses" | "knownPeers";
}

/** The destinations of one resolve wave, with the TTL of multicast sends. */
export interface DiscoveryPlan {
  readonly targets: readonly DiscoveryTarget[];
  readonly ttl: number;
}

const SCOPE_TTL: Readonly<Record<ResolveScope, number>> = { machine: 0, link: 1, site: 24, organization: 32, global: 255 };
const IPV6_SCOPE_PREFIX: Readonly<Record<ResolveScope, string | undefined>> = {
  machine: undefined,
  link: "FF02:",
  site: "FF05:",
  organization: "FF08:",
  global: "FF0E:",
};

function addressFamily(address: string): DiscoveryTarget["family"] {
  if (isIPv4(address)) return "ipv4";
  return isIPv6(address) ? "ipv6" : "hostname";
}

function addressKind(address: string, family: DiscoveryTarget["family"]): DiscoveryTarget["kind"] {
  if (family === "ipv4") {
    if (address === "255.255.255.255") return "broadcast";
    const firstOctet = Number(address.split(".")[0]);
    return firstOctet >= 224 && firstOctet <= 239 ? "multicast" : "unicast";
  }
  return family === "ipv6" && address.toLowerCase().startsWith("ff") ? "multicast" : "unicast";
}

/** Returns the addresses liblsl sends discovery queries to on the multicast port, in its order. */
export function discoveryAddresses(config: LslConfig): string[] {
  const pools = [config.machineAddresses, config.linkAddresses, config.siteAddresses, config.organizationAddresses, config.globalAddresses];
  const scopeIndex = RESOLVE_SCOPES.indexOf(config.resolveScope);
  let addresses: string[] = [];
  for (let index = 0; index <= scopeIndex; index++) {
    addresses.push(...(pools[index] ?? []));
    const prefix = IPV6_SCOPE_PREFIX[RESOLVE_SCOPES[index] ?? "machine"];
    if (prefix) addresses.push(prefix + config.ipv6MulticastGroup);
  }
  if (config.addressesOverride.length > 0) addresses = [...config.addressesOverride];
  return addresses;
}

/**
 * Lists where a resolver sends each query: the scope's addresses (or `addressesOverride`) on the
 * multicast port, then every known peer on every port from `basePort` to
 * `basePort + portRange - 1`. Addresses of a disabled IP family are dropped and duplicates kept
 * once. The TTL is the scope's (0, 1, 24, 32 or 255) unless `ttlOverride` is 0 or more.
 * IPv6 group targets are listed with `family: "ipv6"`, and the sender decides whether it can
 * use them.
 */
export function discoveryTargets(config: LslConfig): DiscoveryPlan {
  const targets: DiscoveryTarget[] = [];
  const seen = new Set<string>();
  const add = (address: string, port: number, origin: DiscoveryTarget["origin"]): void => {
    const family = addressFamily(address);
    if (family === "ipv6" && config.ipv6 === "disable") return;
    if (family === "ipv4" && config.ipv6 === "force") return;
    const id = `${address.toLowerCase()} ${port}`;
    if (seen.has(id)) return;
    seen.add(id);
    targets.push({ address, port, kind: addressKind(address, family), family, origin });
  };
  for (const address of discoveryAddresses(config)) add(address, config.multicastPort, "addresses");
  for (const peer of config.knownPeers) {
    for (let port = config.basePort; port < config.basePort + config.portRange; port++) add(peer, port, "knownPeers");
  }
  const ttl = config.ttlOverride >= 0 ? config.ttlOverride : SCOPE_TTL[config.resolveScope];
  return { targets, ttl };
}

function isLoopbackAddress(address: string): boolean {
  if (isIPv4(address)) return address.startsWith("127.");
  return isIPv6(address) && (address === "::1" || address.toLowerCase() === "0:0:0:0:0:0:0:1");
}

/**
 * Returns whether `config` keeps LSL on loopback like the loopback test file. That needs IPv6
 * disabled, every discovery target and the listen address in 127.0.0.0/8, and a non-empty
 * interface list of loopback addresses, because an empty list makes liblsl use every network
 * card. Host names count as not loopback, because resolving them is a name lookup.
 */
export function isLoopbackOnly(config: LslConfig): boolean {
  if (config.ipv6 !== "disable") return false;
  if (!isLoopbackAddress(config.listenAddress)) return false;
  if (config.interfaces.length === 0 || !config.interfaces.every(isLoopbackAddress)) return false;
  return discoveryTargets(config).targets.every((target) => isLoopbackAddress(target.address));
}
