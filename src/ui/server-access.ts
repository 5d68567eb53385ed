import { createHash, timingSafeEqual } from "node:crypto";

/** Host names that reach only this machine. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "localhost", "::1"]);

/** Host names that make the listener accept connections on every interface. */
const WILDCARD_HOSTS: ReadonlySet<string> = new Set(["0.0.0.0", "::"]);

/** Checks whether `host` names the loopback interface. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host);
}

/**
 * Returns the address to pass to `listen`. "localhost" is bound as 127.0.0.1 because Node may
 * resolve it to ::1 alone, and the printed address of the panel uses 127.0.0.1.
 */
export function listenAddress(host: string): string {
  return host === "localhost" ? "127.0.0.1" : host;
}

/** Returns `host` as written in a URL authority, with brackets around an IPv6 literal. */
export function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** Returns the host a browser on this machine uses to open a panel bound to `host`. */
export function browserHost(host: string): string {
  if (isLoopbackHost(host) || WILDCARD_HOSTS.has(host)) {
    return host === "::1" ? "[::1]" : "127.0.0.1";
  }
  return urlHost(host);
}

/**
 * Returns the `host:port` authorities the panel accepts: the loopback names, plus the bound host
 * itself. Checking the `Host` and `Origin` headers against them stops a page on another origin,
 * or one reached through a rebound DNS name, from talking to the panel.
 */
export function allowedAuthorities(host: string, port: number): string[] {
  const authorities = [`127.0.0.1:${port}`, `localhost:${port}`];
  const own = `${urlHost(host)}:${port}`;
  if (!authorities.includes(own)) {
    authorities.push(own);
  }
  return authorities;
}

/** Compares two tokens in constant time, so the comparison leaks neither content nor length. */
export function tokensMatch(received: string, expected: string): boolean {
  const receivedDigest = createHash("sha256").update(received, "utf8").digest();
  const expectedDigest = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(receivedDigest, expectedDigest);
}
