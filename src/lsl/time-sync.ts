/**
 * The inlet's clock-offset measurement: rounds of UDP time probes to the outlet's service port,
 * each round's estimate taken from the probe with the shortest round trip.
 */

import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { randomInt } from "node:crypto";
import type { Clock } from "../core/clock.js";
import { TypedEmitter } from "../core/events.js";
import type { LslConfig } from "./config.js";
import { MAX_TIMER_MS } from "./inlet.js";
import type { LslStreamInfo } from "./stream-info.js";
import { formatTimeProbeRequest, parseTimeProbeReply, TimeCorrectionEstimator, type TimeCorrection } from "./time-correction.js";

/** Events of a time synchroniser. */
export interface TimeSyncEvents extends Record<string, unknown> {
  /** A round ended with an estimate, which is now {@link TimeSync.correction}. */
  update: TimeCorrection;
}

/**
 * Measures the offset between this machine's clock and an outlet's, again every
 * `timeUpdateIntervalS`, with `timeProbeCount` probes `timeProbeIntervalS` apart per round.
 */
export class TimeSync extends TypedEmitter<TimeSyncEvents> {
  readonly #info: LslStreamInfo;
  readonly #config: LslConfig;
  readonly #clock: Clock;
  readonly #estimator: TimeCorrectionEstimator;
  readonly #timers = new Set<NodeJS.Timeout>();
  #socket: UdpSocket | undefined;
  #rounds = 0;

  constructor(info: LslStreamInfo, config: LslConfig, clock: Clock) {
    super();
    this.#info = info;
    this.#config = config;
    this.#clock = clock;
    this.#estimator = new TimeCorrectionEstimator({ minProbes: Math.min(config.timeUpdateMinProbes, config.timeProbeCount) });
  }

  /** The latest estimate, or undefined before the first round ended with enough replies. */
  get correction(): TimeCorrection | undefined {
    return this.#estimator.current;
  }

  /** Rounds started so far. */
  get rounds(): number {
    return this.#rounds;
  }

  /** Opens the probe socket and starts the first round now. Resolves once the socket is bound. */
  async start(): Promise<void> {
    if (this.#socket !== undefined) {
      return;
    }
    const socket = createSocket({ type: "udp4" });
    this.#socket = socket;
    socket.on("error", () => undefined);
    socket.on("message", (message: Buffer) => {
      const arrivedS = this.#clock.now();
      try {
        this.#estimator.addReply(parseTimeProbeReply(message.toString("utf8")), arrivedS);
      } catch {
        // A malformed reply is ignored, as liblsl ignores it.
      }
    });
    const address = this.#config.listenAddress === "" ? "0.0.0.0" : this.#config.listenAddress;
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind({ port: 0, address }, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    this.#round();
  }

  /** Stops probing and closes the socket. */
  stop(): void {
    for (const timer of this.#timers) {
      clearTimeout(timer);
    }
    this.#timers.clear();
    this.#socket?.close();
    this.#socket = undefined;
  }

  #later(delayS: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      action();
    }, Math.min(MAX_TIMER_MS, delayS * 1000));
    this.#timers.add(timer);
  }

  #round(): void {
    const socket = this.#socket;
    if (socket === undefined) {
      return;
    }
    this.#rounds++;
    const waveId = randomInt(1, 2 ** 31 - 1);
    this.#estimator.beginRound(waveId);
    const { timeProbeCount, timeProbeIntervalS, timeProbeMaxRttS, timeUpdateIntervalS } = this.#config;
    for (let probe = 0; probe < timeProbeCount; probe++) {
      this.#later(probe * timeProbeIntervalS, () => {
        const datagram = formatTimeProbeRequest(waveId, this.#clock.now());
        this.#socket?.send(datagram, this.#info.v4servicePort, this.#info.v4address, () => undefined);
      });
    }
    this.#later(timeProbeMaxRttS + timeProbeIntervalS * timeProbeCount, () => {
      const estimate = this.#estimator.endRound();
      if (estimate !== undefined) {
        this.emit("update", estimate);
      }
    });
    this.#later(timeUpdateIntervalS, () => this.#round());
  }
}
