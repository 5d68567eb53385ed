/**
 * Finding streams: the UDP query an inlet sends to every discovery address and known peer, and
 * the replies outlets send back with their short info.
 */

import { createSocket, type RemoteInfo } from "node:dgram";
import { randomInt } from "node:crypto";
import type { LslConfig } from "./config.js";
import { discoveryTargets } from "./discovery-targets.js";
import { resolveLslConfig, type LslConfigInput } from "./config-input.js";
import { checkTimeoutMs, MAX_TIMER_MS } from "./inlet.js";
import { parseStreamInfo, type LslStreamInfo } from "./stream-info.js";

/** Conditions of a resolve, and its time limit. */
export interface ResolveOptions {
  readonly name?: string;
  readonly type?: string;
  readonly sourceId?: string;
  /** A further XPath 1.0 condition on the stream info, joined to the others with `and`. */
  readonly where?: string;
  /** Maximum wait in ms. Default 2000. */
  readonly timeoutMs?: number;
  /**
   * Streams to find before returning early. Default 1; set `Infinity` to wait the whole
   * timeout and return every stream that replied.
   */
  readonly minimum?: number;
  /** LSL configuration, or overrides of the configuration file's values. */
  readonly config?: LslConfigInput;
  /** Leaves out the `session_id` condition, as liblsl's reconnection query does. */
  readonly anySession?: boolean;
}

/** Default wait of {@link resolveStreams}, in ms. */
export const RESOLVE_TIMEOUT_MS = 2000;

/** Writes a string as an XPath literal, in whichever quotes it does not contain. */
export function xpathLiteral(value: string): string {
  if (!value.includes("'")) {
    return `'${value}'`;
  }
  if (!value.includes('"')) {
    return `"${value}"`;
  }
  throw new RangeError(`the value ${value} contains both kinds of quote, so no query can match it; rename the stream`);
}

/** Builds the discovery query liblsl would send for these conditions. */
export function buildQuery(options: ResolveOptions, sessionId: string): string {
  const terms: string[] = [];
  if (options.anySession !== true) {
    terms.push(`session_id=${xpathLiteral(sessionId)}`);
  }
  for (const [field, value] of [
    ["name", options.name],
    ["type", options.type],
    ["source_id", options.sourceId],
  ] as const) {
    if (value !== undefined && value !== "") {
      terms.push(`${field}=${xpathLiteral(value)}`);
    }
  }
  if (options.where !== undefined && options.where.trim() !== "") {
    terms.push(`(${options.where})`);
  }
  return terms.join(" and ");
}

/** Formats the discovery datagram: method, query and the return port with the query id. */
export function formatShortinfoQuery(query: string, returnPort: number, queryId: string): string {
  return `LSL:shortinfo\r\n${query}\r\n${returnPort} ${queryId}\r\n`;
}

/**
 * Resolves streams by UDP discovery: sends the query to every discovery address and known peer
 * of the configuration, again every `multicastMinRttS`, and collects the short infos in the replies,
 * one per uid, with `v4address` filled from the reply's sender. Resolves with what was found when
 * `minimum` streams replied or `timeoutMs` passed; an empty list means none replied.
 */
export async function resolveStreams(options: ResolveOptions = {}): Promise<LslStreamInfo[]> {
  const config = resolveLslConfig(options.config);
  const timeoutMs = checkTimeoutMs(options.timeoutMs ?? RESOLVE_TIMEOUT_MS);
  const minimum = options.minimum ?? 1;
  const query = buildQuery(options, config.sessionId);
  const queryId = String(randomInt(1, 2 ** 47));
  // Names and IPv6 targets are not sent to: this resolver speaks IPv4 and looks up no names.
  const plan = discoveryTargets(config);
  const targets = plan.targets.filter((target) => target.family === "ipv4");
  const ttl = plan.ttl;
  if (targets.length === 0) {
    throw new Error(
      "the LSL configuration gives no IPv4 address to send discovery queries to; " +
        "give numeric addresses (host names in KnownPeers are not looked up) and leave IPv6 at allow or disable",
    );
  }
  const socket = createSocket({ type: "udp4" });
  const found = new Map<string, LslStreamInfo>();

  const address = config.listenAddress === "" ? "0.0.0.0" : config.listenAddress;
  await new Promise<void>((resolve, reject) => {
    socket.once("error", (error) => {
      socket.close();
      reject(new Error(`could not open a UDP socket on ${address} for discovery: ${error.message}`));
    });
    socket.bind({ port: 0, address }, () => {
      socket.removeAllListeners("error");
      resolve();
    });
  });
  if (targets.some((target) => target.kind === "broadcast")) {
    socket.setBroadcast(true);
  }
  if (targets.some((target) => target.kind === "multicast")) {
    socket.setMulticastTTL(ttl);
  }

  return new Promise<LslStreamInfo[]>((resolve) => {
    let waveTimer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(deadline);
      clearTimeout(waveTimer);
      socket.close();
      resolve([...found.values()]);
    };
    const deadline = setTimeout(finish, timeoutMs);
    socket.on("error", () => undefined);
    socket.on("message", (message: Buffer, sender: RemoteInfo) => {
      const info = parseReply(message, queryId, sender);
      if (info !== undefined && !found.has(info.uid)) {
        found.set(info.uid, info);
        if (found.size >= minimum) {
          finish();
        }
      }
    });
    const datagram = Buffer.from(formatShortinfoQuery(query, socket.address().port, queryId), "utf8");
    const sendWave = () => {
      for (const target of targets) {
        socket.send(datagram, target.port, target.address, () => undefined);
      }
      waveTimer = setTimeout(sendWave, waveIntervalMs(config));
    };
    sendWave();
  });
}

/** Keeps a wave interval between 10 ms (no busy loop) and the longest timer delay. */
function clampMs(delayMs: number): number {
  return Math.min(MAX_TIMER_MS, Math.max(MIN_WAVE_INTERVAL_MS, delayMs));
}

/** Shortest interval between two waves of queries, in ms. */
const MIN_WAVE_INTERVAL_MS = 10;

function waveIntervalMs(config: LslConfig): number {
  return clampMs(1000 * (config.multicastMinRttS + (config.knownPeers.length > 0 ? config.unicastMinRttS : 0)));
}

/** Reads a discovery reply; returns undefined for another query's reply or an invalid info. */
function parseReply(message: Buffer, queryId: string, sender: RemoteInfo): LslStreamInfo | undefined {
  const text = message.toString("utf8");
  const lineEnd = text.indexOf("\n");
  if (lineEnd < 0 || text.slice(0, lineEnd).trim() !== queryId) {
    return undefined;
  }
  try {
    const info = parseStreamInfo(text.slice(lineEnd + 1));
    return info.v4address === "" ? { ...info, v4address: sender.address } : info;
  } catch {
    // A reply that does not parse is ignored, as liblsl ignores it.
    return undefined;
  }
}
