/**
 * An LSL outlet: publishes a stream that liblsl inlets and this package's `LslSource` can find
 * and receive. It responds to discovery queries and time probes over UDP, and serves the full info
 * and the stream feed over TCP to any number of inlets, each through its own bounded queue.
 */

import { createSocket, type RemoteInfo, type Socket as UdpSocket } from "node:dgram";
import type { Server } from "node:net";
import { systemClock, type Clock } from "../core/clock.js";
import { TypedEmitter } from "../core/events.js";
import { FixedRateLoop } from "../ml/loop.js";
import type { LslConfig } from "./config.js";
import { discoveryTargets } from "./discovery-targets.js";
import { resolveLslConfig, type LslConfigInput } from "./config-input.js";
import { toOutletChunk, type OutletValues } from "./feed-encoding.js";
import type { LslChunk } from "./sample-chunk.js";
import { bindUdpInRange, createNoDelayServer, listenTcpInRange } from "./net.js";
import { HANDSHAKE_TIMEOUT_MS, OutletConnection } from "./outlet-connection.js";
import { checkTimeoutMs } from "./inlet.js";
import { LslQuery } from "./query.js";
import type { XmlElement } from "./xml.js";
import { createStreamInfo, streamInfoElement, writeStreamInfo, type LslStreamDescription, type LslStreamInfo } from "./stream-info.js";
import { formatTimeProbeReply, parseTimeProbeRequest, type TimeProbeRequest } from "./time-correction.js";

/** Options of an outlet beyond its stream's description. */
export interface LslOutletOptions {
  /** LSL configuration, or overrides of the configuration file's values. */
  readonly config?: LslConfigInput;
  /** Clock of the timestamps; the real one is LSL's `local_clock`. Default the system clock. */
  readonly clock?: Clock;
  /** Most seconds of samples queued for one inlet that falls behind; older ones are dropped. Default 360. */
  readonly maxBufferedS?: number;
  /**
   * Sends the value given to {@link LslOutlet.setLatest} this many times a second, latest value
   * first: nothing queues, so a target driven from predictions never lags. The stream's nominal
   * rate becomes this rate.
   */
  readonly latestRateHz?: number;
  /** Time a peer has to send its whole request before its connection is closed, in ms. Default 10 000. */
  readonly handshakeTimeoutMs?: number;
}

/** Events of an outlet. */
export interface LslOutletEvents extends Record<string, unknown> {
  /** An inlet started receiving the stream feed. */
  connected: { readonly remoteAddress: string; readonly inlets: number };
  /** An inlet's connection ended. */
  disconnected: { readonly remoteAddress: string; readonly inlets: number };
  /** A connection or datagram failed; the outlet keeps serving. */
  error: { readonly error: Error };
}

const DEFAULT_MAX_BUFFERED_S = 360;
/** Queue length of an irregular stream, in samples per second of `maxBufferedS`, as liblsl sizes it. */
const IRREGULAR_SAMPLES_PER_S = 100;
const MAX_CACHED_QUERIES = 64;
/** Connections an outlet keeps open at once; more are closed as they arrive. */
export const MAX_OUTLET_CONNECTIONS = 256;

/** A published LSL stream. Create one with {@link LslOutlet.open}. */
export class LslOutlet extends TypedEmitter<LslOutletEvents> {
  /** The stream's info, with the ports it is served on. */
  readonly info: LslStreamInfo;
  readonly config: LslConfig;
  readonly #clock: Clock;
  readonly #server: Server;
  readonly #udpSockets: UdpSocket[];
  readonly #connections = new Set<OutletConnection>();
  readonly #feeds = new Set<OutletConnection>();
  readonly #queries = new Map<string, LslQuery | undefined>();
  readonly #maxQueueSamples: number;
  readonly #handshakeTimeoutMs: number;
  readonly #infoElement: XmlElement;
  readonly #shortInfo: string;
  #latest: OutletValues | undefined;
  #latestLoop: FixedRateLoop | undefined;
  #closed = false;
  #refusing = false;
  #samplesPushed = 0;

  private constructor(info: LslStreamInfo, config: LslConfig, clock: Clock, server: Server, udpSockets: UdpSocket[], maxBufferedS: number, handshakeTimeoutMs: number) {
    super();
    this.#handshakeTimeoutMs = handshakeTimeoutMs;
    this.info = info;
    this.config = config;
    this.#clock = clock;
    this.#server = server;
    this.#udpSockets = udpSockets;
    this.#infoElement = streamInfoElement(info);
    this.#shortInfo = writeStreamInfo(info, true);
    const perSecond = info.nominalSrateHz > 0 ? info.nominalSrateHz : IRREGULAR_SAMPLES_PER_S;
    this.#maxQueueSamples = Math.max(1, Math.ceil(maxBufferedS * perSecond));
  }

  /**
   * Publishes a stream: binds the UDP service and TCP data ports in the configured range and the
   * discovery responders, and resolves once inlets can find it. Throws a `RangeError` for an
   * invalid description, and an `Error` when no port could be bound.
   */
  static async open(description: LslStreamDescription, options: LslOutletOptions = {}): Promise<LslOutlet> {
    const config = resolveLslConfig(options.config);
    const clock = options.clock ?? systemClock;
    const latestRateHz = options.latestRateHz;
    if (latestRateHz !== undefined && !(latestRateHz > 0 && Number.isFinite(latestRateHz))) {
      throw new RangeError(`latestRateHz must be a positive number, received ${String(latestRateHz)}`);
    }
    const handshakeTimeoutMs = checkTimeoutMs(options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS, "handshakeTimeoutMs");
    const maxBufferedS = options.maxBufferedS ?? DEFAULT_MAX_BUFFERED_S;
    if (!(maxBufferedS > 0)) {
      throw new RangeError(`maxBufferedS must be a positive number, received ${String(maxBufferedS)}`);
    }
    const draft = createStreamInfo({ ...description, ...(latestRateHz === undefined ? {} : { nominalSrateHz: latestRateHz }) }, { createdAtS: clock.now(), sessionId: config.sessionId });
    const bindAddress = config.listenAddress === "" ? "0.0.0.0" : config.listenAddress;
    const range = { basePort: config.basePort, portRange: config.portRange, allowRandomPorts: config.allowRandomPorts };

    let outlet: LslOutlet | undefined;
    const server = createNoDelayServer((socket) => (outlet === undefined ? socket.destroy() : outlet.#accept(socket)));
    const sockets: UdpSocket[] = [];
    try {
      const dataPort = await listenTcpInRange(server, bindAddress, range);
      const service = await bindUdpInRange(bindAddress, range);
      sockets.push(service);
      sockets.push(...(await openResponders(config, bindAddress)));
      const info: LslStreamInfo = { ...draft, v4dataPort: dataPort, v4servicePort: service.address().port };
      outlet = new LslOutlet(info, config, clock, server, sockets, maxBufferedS, handshakeTimeoutMs);
      for (const socket of sockets) {
        const isService = socket === service;
        const published = outlet;
        socket.on("message", (message: Buffer, sender: RemoteInfo) => published.#datagram(socket, message, sender, isService));
        socket.on("error", (error) => published.emit("error", { error }));
      }
    } catch (error) {
      server.close();
      for (const socket of sockets) {
        socket.close();
      }
      throw error;
    }
    if (latestRateHz !== undefined) {
      const published = outlet;
      published.#latestLoop = new FixedRateLoop({ rateHz: latestRateHz, clock, tick: () => published.#sendLatest() });
      published.#latestLoop.start();
    }
    return outlet;
  }

  /** Inlets receiving the stream feed now. */
  get inletCount(): number {
    return this.#feeds.size;
  }

  /** Samples pushed since the outlet opened. */
  get samplesPushed(): number {
    return this.#samplesPushed;
  }

  /** Samples dropped so far for inlets that fell behind, summed over the inlets connected now. */
  get droppedSamples(): number {
    let dropped = 0;
    for (const feed of this.#feeds) {
      dropped += feed.droppedSamples;
    }
    return dropped;
  }

  /** Samples waiting in the queues of the inlets connected now. */
  get queuedSamples(): number {
    let queued = 0;
    for (const feed of this.#feeds) {
      queued += feed.queuedSamples;
    }
    return queued;
  }

  /**
   * Pushes one sample, stamped `timestampS` (default now on the outlet's clock; 0 also means now,
   * as in liblsl). Throws a `RangeError` when the number of values is not the channel count or a
   * value does not fit the channel format.
   */
  pushSample(values: OutletValues, timestampS?: number): void {
    this.#push(toOutletChunk(this.info, values, { timestampS: this.#stamp(timestampS), deduce: false }));
  }

  /**
   * Pushes several samples, sample-major (all channels of a sample together). With `timestamps`
   * each sample carries its own; otherwise `timestampS` (default now) is the last sample's time,
   * the first is sent with its own time and the rest are deduced from the nominal rate, as
   * liblsl's `push_chunk` does.
   */
  pushChunk(values: OutletValues, options: { readonly timestamps?: ArrayLike<number>; readonly timestampS?: number } = {}): void {
    if (values.length === 0) {
      return;
    }
    const ownTimestamps = options.timestamps !== undefined && !this.config.forceDefaultTimestamps;
    const timing = ownTimestamps ? { timestamps: options.timestamps as ArrayLike<number> } : { timestampS: this.#stamp(options.timestampS), deduce: true };
    this.#push(toOutletChunk(this.info, values, timing));
  }

  /** Returns the time to stamp a push with: now for none or 0 (as in liblsl), or when the configuration forces it. */
  #stamp(timestampS: number | undefined): number {
    return timestampS === undefined || timestampS === 0 || this.config.forceDefaultTimestamps ? this.#clock.now() : timestampS;
  }

  /**
   * Sets the value sent at `latestRateHz`; a value set between two ticks replaces the previous
   * one. Throws when the outlet was opened without `latestRateHz`.
   */
  setLatest(values: OutletValues): void {
    if (this.#latestLoop === undefined) {
      throw new Error(`outlet ${this.info.name} was opened without latestRateHz; use pushSample, or open it with latestRateHz`);
    }
    toOutletChunk(this.info, values, { timestampS: 0, deduce: false });
    this.#latest = values;
  }

  /** Stops serving: closes every connection and socket. Calls after the first do nothing. */
  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#latestLoop?.stop();
    for (const connection of this.#connections) {
      connection.close();
    }
    await Promise.all([
      new Promise<void>((resolve) => this.#server.close(() => resolve())),
      ...this.#udpSockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))),
    ]);
  }

  #sendLatest(): void {
    if (this.#latest !== undefined) {
      this.pushSample(this.#latest);
    }
  }

  #push(chunk: LslChunk): void {
    if (this.#closed) {
      throw new Error(`outlet ${this.info.name} is closed; open a new one to publish again`);
    }
    this.#samplesPushed += chunk.count;
    for (const feed of this.#feeds) {
      feed.enqueue(chunk);
    }
  }

  #accept(socket: import("node:net").Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    if (this.#connections.size >= MAX_OUTLET_CONNECTIONS) {
      socket.destroy();
      if (!this.#refusing) {
        this.#refusing = true;
        this.emit("error", { error: new Error(`${MAX_OUTLET_CONNECTIONS} connections are open, so new ones are closed until some end`) });
      }
      return;
    }
    this.#refusing = false;
    const remoteAddress = socket.remoteAddress ?? "";
    const connection = new OutletConnection(socket, {
      info: this.info,
      maxQueueSamples: this.#maxQueueSamples,
      maxProtocolVersion: this.config.useProtocolVersion,
      handshakeTimeoutMs: this.#handshakeTimeoutMs,
      onError: (error) => this.emit("error", { error: new Error(`connection from ${remoteAddress}: ${error.message}`) }),
      onFeedStarted: (feed) => {
        this.#feeds.add(feed);
        this.emit("connected", { remoteAddress, inlets: this.#feeds.size });
      },
      onClosed: (closed) => {
        this.#connections.delete(closed);
        if (this.#feeds.delete(closed)) {
          this.emit("disconnected", { remoteAddress, inlets: this.#feeds.size });
        }
      },
    });
    this.#connections.add(connection);
  }

  #datagram(socket: UdpSocket, message: Buffer, sender: RemoteInfo, isService: boolean): void {
    const lines = message.toString("utf8").split("\n");
    const method = (lines[0] ?? "").trim();
    if (method === "LSL:shortinfo") {
      const query = this.#query((lines[1] ?? "").trim());
      const [port, queryId] = (lines[2] ?? "").trim().split(/\s+/);
      const returnPort = Number.parseInt(port ?? "", 10);
      if (query === undefined || queryId === undefined || !(returnPort > 0 && returnPort <= 65535)) {
        return;
      }
      let matches: boolean;
      try {
        matches = query.matches(this.#infoElement);
      } catch (error) {
        this.#queries.set(query.text, undefined);
        this.emit("error", { error: new Error(`discovery query is invalid, so the outlet does not respond to it: ${(error as Error).message}`) });
        return;
      }
      if (matches) {
        socket.send(`${queryId}\r\n${this.#shortInfo}`, returnPort, sender.address, () => undefined);
      }
    } else if (method === "LSL:timedata" && isService) {
      const receivedS = this.#clock.now();
      let request: TimeProbeRequest;
      try {
        request = parseTimeProbeRequest(message.toString("utf8"));
      } catch {
        return;
      }
      socket.send(formatTimeProbeReply(request.waveId, request.t0, receivedS, this.#clock.now()), sender.port, sender.address, () => undefined);
    }
  }

  /** Parses a query once and keeps it; a query that does not parse matches nothing. */
  #query(text: string): LslQuery | undefined {
    if (this.#queries.has(text)) {
      return this.#queries.get(text);
    }
    let query: LslQuery | undefined;
    try {
      query = new LslQuery(text);
    } catch (error) {
      this.emit("error", { error: new Error(`discovery query is invalid, so the outlet does not respond to it: ${(error as Error).message}`) });
    }
    if (this.#queries.size >= MAX_CACHED_QUERIES) {
      this.#queries.clear();
    }
    this.#queries.set(text, query);
    return query;
  }
}

/** Binds the discovery responders: one socket on the discovery port for each discovery address. */
async function openResponders(config: LslConfig, bindAddress: string): Promise<UdpSocket[]> {
  const addresses = [...new Set(discoveryTargets(config).targets.filter((target) => target.origin === "addresses" && target.family === "ipv4").map((target) => target.address))];
  const sockets: UdpSocket[] = [];
  for (const address of addresses) {
    const socket = createSocket({ type: "udp4", reuseAddr: true });
    const multicast = isMulticast(address);
    // A unicast or broadcast entry binds the listen address; a group needs the wildcard to receive.
    let local = bindAddress === "0.0.0.0" ? address : bindAddress;
    if (multicast || address === "255.255.255.255") {
      local = "0.0.0.0";
    }
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind({ port: config.multicastPort, address: local }, () => {
          socket.off("error", reject);
          resolve();
        });
      });
      if (multicast) {
        const interfaces = config.interfaces.length > 0 ? config.interfaces : [undefined];
        for (const face of interfaces) {
          socket.addMembership(address, face);
        }
      }
      sockets.push(socket);
    } catch {
      // Discovery still works through the service port; one responder that fails is not fatal.
      socket.close();
    }
  }
  return sockets;
}

function isMulticast(address: string): boolean {
  const first = Number.parseInt(address.split(".")[0] ?? "", 10);
  return first >= 224 && first <= 239;
}
