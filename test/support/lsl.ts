import { LOOPBACK_LSL_CONFIG, type LslConfig } from "../../src/lsl/config.js";

/**
 * A loopback-only LSL configuration on ports of its own: every socket binds 127.0.0.1, discovery
 * goes to 127.0.0.1 only (no multicast, no broadcast), and each test file passes another
 * `basePort` so files running in parallel never reply to each other.
 */
export function loopbackConfig(basePort: number): Partial<LslConfig> {
  return {
    ...LOOPBACK_LSL_CONFIG,
    multicastPort: basePort - 1,
    basePort,
    portRange: 16,
    allowRandomPorts: false,
    multicastMinRttS: 0.05,
    unicastMinRttS: 0.05,
    timeProbeIntervalS: 0.01,
    timeProbeMaxRttS: 0.05,
    timeUpdateIntervalS: 0.5,
  };
}

/** Returns the text of an lsl_api.cfg file equal to {@link loopbackConfig}, for child processes. */
export function loopbackConfigFile(basePort: number): string {
  return [
    "[ports]",
    "IPv6 = disable",
    `MulticastPort = ${basePort - 1}`,
    `BasePort = ${basePort}`,
    "PortRange = 16",
    "AllowRandomPorts = 0",
    "",
    "[multicast]",
    "ResolveScope = machine",
    "MachineAddresses = {127.0.0.1}",
    "ListenAddress = 127.0.0.1",
    "Interfaces = {127.0.0.1}",
    "",
    "[lab]",
    "KnownPeers = {127.0.0.1}",
    "SessionID = default",
    "",
  ].join("\n");
}

/** Resolves when `condition` holds, checking after each turn of the event loop; rejects after `timeoutMs`. */
export function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (condition()) {
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      } else {
        setTimeout(check, 2);
      }
    };
    check();
  });
}
