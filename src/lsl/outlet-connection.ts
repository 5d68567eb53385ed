/**
 * The outlet's side of one TCP connection: reads the request line, responds to `LSL:fullinfo` and
 * `LSL:shortinfo`, and for a stream feed negotiates the protocol, sends the test patterns, then
 * the samples pushed after it connected, through a queue bounded in samples.
 */

import type { Socket } from "node:net";
import { LslProtocolError } from "./errors.js";
import { FeedWriter } from "./feed-encoding.js";
import type { LslChunk } from "./sample-chunk.js";
import { LineReader, parseHeaderLine } from "./net.js";
import { LslQuery } from "./query.js";
import { streamInfoElement, writeStreamInfo, type LslStreamInfo } from "./stream-info.js";
import { valueBytes } from "./formats.js";

/** Time a peer has to send its whole request, in ms. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Bytes waiting in a socket before the connection stops writing and lets its queue fill. */
const SOCKET_HIGH_WATER_BYTES = 1024 * 1024;

/** The outlet's side of a connection: its info, limits and callbacks. */
export interface OutletConnectionHost {
  readonly info: LslStreamInfo;
  /** Largest queue of a feed connection, in samples, whatever the inlet requests. */
  readonly maxQueueSamples: number;
  /** Time a peer has to send its whole request, in ms. */
  readonly handshakeTimeoutMs: number;
  /** Protocol versions this outlet serves at most (110, or 100 to force the old feed). */
  readonly maxProtocolVersion: number;
  /** Reports a connection that ended with an error; the outlet keeps serving the others. */
  onError(error: Error): void;
  /** Called once the feed handshake is done, so the connection starts receiving samples. */
  onFeedStarted(connection: OutletConnection): void;
  onClosed(connection: OutletConnection): void;
}

/** Negotiated parameters of a stream feed. */
interface FeedParameters {
  readonly protocolVersion: number;
  readonly queueSamples: number;
}

/** One TCP connection to an outlet. */
export class OutletConnection {
  readonly socket: Socket;
  readonly #host: OutletConnectionHost;
  readonly #lines = new LineReader();
  #state: "command" | "shortinfo-query" | "legacy-lengths" | "feed-headers" | "feeding" | "closed" = "command";
  readonly #handshakeTimer: NodeJS.Timeout;
  #requestedVersion = 0;
  #requestedUid: string | undefined;
  #writer: FeedWriter | undefined;
  #queue: LslChunk[] = [];
  #queuedSamples = 0;
  #queueSamples = 0;
  #closeReported = false;
  /** Samples dropped because this inlet fell behind. */
  droppedSamples = 0;

  constructor(socket: Socket, host: OutletConnectionHost) {
    this.socket = socket;
    this.#host = host;
    // A peer gets a fixed time for its whole request, however slowly it sends it.
    this.#handshakeTimer = setTimeout(() => {
      if (this.#state !== "feeding" && this.#state !== "closed") {
        this.#close(new LslProtocolError(`request not complete within ${host.handshakeTimeoutMs} ms`));
      }
    }, host.handshakeTimeoutMs);
    this.#handshakeTimer.unref();
    socket.on("data", (bytes: Buffer) => this.#receive(bytes));
    socket.on("drain", () => this.#flush());
    socket.on("error", (error) => this.#close(error));
    socket.on("close", () => this.#close());
    // A peer that ends its side is done. Responses already written still go out before the close.
    socket.on("end", () => {
      this.#state = "closed";
      this.#queue = [];
      this.#queuedSamples = 0;
      socket.end();
    });
  }

  /** Queues a chunk for this inlet, dropping the oldest queued chunks beyond its queue length. */
  enqueue(chunk: LslChunk): void {
    if (this.#state !== "feeding") {
      return;
    }
    this.#queue.push(chunk);
    this.#queuedSamples += chunk.count;
    while (this.#queuedSamples > this.#queueSamples && this.#queue.length > 1) {
      const dropped = this.#queue.shift() as LslChunk;
      this.#queuedSamples -= dropped.count;
      this.droppedSamples += dropped.count;
    }
    this.#flush();
  }

  /** Samples waiting in this connection's queue. */
  get queuedSamples(): number {
    return this.#queuedSamples;
  }

  close(): void {
    this.socket.destroy();
    this.#close();
  }

  #receive(bytes: Buffer): void {
    if (this.#state === "feeding" || this.#state === "closed") {
      // An inlet sends nothing after its request; anything more is ignored.
      return;
    }
    try {
      this.#lines.push(bytes);
      this.#advance();
    } catch (error) {
      this.#close(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #advance(): void {
    if (this.#state === "command") {
      const line = this.#lines.line();
      if (line === undefined) {
        return;
      }
      this.#command(line.trim());
    }
    // A request's second line may come in a later read than its first.
    if (this.#state === "shortinfo-query") {
      const query = this.#lines.line();
      if (query !== undefined) {
        const matches = new LslQuery(query.trim()).matches(streamInfoElement(this.#host.info));
        this.#endWith(matches ? writeStreamInfo(this.#host.info, true) : "");
      }
    }
    if (this.#state === "legacy-lengths") {
      const line = this.#lines.line();
      if (line !== undefined) {
        const [buffer] = line.trim().split(/\s+/);
        this.#startFeed({ protocolVersion: 100, queueSamples: Number.parseInt(buffer ?? "0", 10) || 0 }, false);
      }
    }
    if (this.#state === "feed-headers" && this.#lines.hasBlankLine()) {
      this.#startFeed(this.#readFeedHeaders());
    }
  }

  #command(line: string): void {
    const info = this.#host.info;
    if (line === "LSL:fullinfo") {
      this.#endWith(writeStreamInfo(info));
    } else if (line === "LSL:shortinfo") {
      this.#state = "shortinfo-query";
    } else if (line === "LSL:streamfeed") {
      // Protocol 1.00: the buffer and chunk lengths follow on one line, and no header is sent back.
      this.#state = "legacy-lengths";
    } else if (line.startsWith("LSL:streamfeed/")) {
      const [request, uid] = line.slice("LSL:streamfeed/".length).split(/\s+/);
      this.#requestedVersion = Number.parseInt(request ?? "", 10);
      if (!Number.isFinite(this.#requestedVersion)) {
        throw new LslProtocolError(`stream feed request "${line}" has no version number`);
      }
      this.#requestedUid = uid === undefined || uid === "" ? undefined : uid;
      this.#state = "feed-headers";
    } else {
      // liblsl drops a connection whose first line it does not know, without a response.
      this.close();
    }
  }

  #readFeedHeaders(): FeedParameters & { respond: true } {
    const headers = new Map<string, string>();
    for (let line = this.#lines.line(); line !== undefined && !line.startsWith("\r") && line !== ""; line = this.#lines.line()) {
      const parsed = parseHeaderLine(line);
      if (parsed !== undefined) {
        headers.set(parsed[0], parsed[1]);
      }
    }
    const own = this.#host.maxProtocolVersion;
    let version = headers.has("protocol-version") ? Number.parseInt(headers.get("protocol-version") ?? "", 10) : this.#requestedVersion;
    if (Math.floor(version / 100) > Math.floor(own / 100)) {
      this.#endWith(`LSL/${own} 505 Version not supported`);
      throw new FeedEnded();
    }
    if (this.#requestedUid !== undefined && this.#requestedUid !== this.#host.info.uid) {
      this.#endWith(`LSL/${own} 404 Not found`);
      throw new FeedEnded();
    }
    version = Math.min(version, own);
    const format = this.#host.info.channelFormat;
    const valueSize = headers.has("value-size") ? Number(headers.get("value-size")) : valueBytes(format);
    const ieee = (headers.get("has-ieee754-floats") ?? "1") === "1";
    if ((format !== "string" && valueSize !== valueBytes(format)) || !ieee) {
      version = 100;
    }
    const queueSamples = Number.parseFloat(headers.get("max-buffer-length") ?? "0");
    return { protocolVersion: version < 110 ? 100 : 110, queueSamples: Number.isFinite(queueSamples) ? Math.floor(queueSamples) : 0, respond: true };
  }

  #startFeed(parameters: FeedParameters, respond = true): void {
    const info = this.#host.info;
    this.#writer = new FeedWriter(info, parameters.protocolVersion);
    let header = Buffer.alloc(0);
    if (respond) {
      header = Buffer.from(
        `LSL/${this.#host.maxProtocolVersion} 200 OK\r\nUID: ${info.uid}\r\nByte-Order: 1234\r\n` +
          `Suppress-Subnormals: 0\r\nData-Protocol-Version: ${parameters.protocolVersion}\r\n\r\n`,
        "latin1",
      );
    }
    this.socket.write(Buffer.concat([header, this.#writer.start()]));
    if (parameters.queueSamples <= 0) {
      // An inlet that requests no buffer gets the header and test patterns only, as from liblsl.
      this.socket.end();
      this.#state = "closed";
      return;
    }
    this.#queueSamples = Math.min(parameters.queueSamples, this.#host.maxQueueSamples);
    clearTimeout(this.#handshakeTimer);
    this.#state = "feeding";
    this.#host.onFeedStarted(this);
  }

  #flush(): void {
    const writer = this.#writer;
    if (writer === undefined || this.#state !== "feeding") {
      return;
    }
    while (this.#queue.length > 0 && this.socket.writableLength < SOCKET_HIGH_WATER_BYTES) {
      const chunk = this.#queue.shift() as LslChunk;
      this.#queuedSamples -= chunk.count;
      let bytes: Buffer;
      try {
        bytes = writer.encode(chunk);
      } catch (error) {
        // Runs in socket callbacks, where a throw would end the process: this connection ends instead.
        this.#close(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      this.socket.write(bytes);
    }
  }

  #endWith(text: string): void {
    this.socket.end(text);
    this.#state = "closed";
  }

  #close(error?: Error): void {
    clearTimeout(this.#handshakeTimer);
    if (error !== undefined && !(error instanceof FeedEnded)) {
      this.#host.onError(error);
      this.socket.destroy();
    }
    this.#state = "closed";
    this.#queue = [];
    this.#queuedSamples = 0;
    if (!this.#closeReported) {
      this.#closeReported = true;
      this.#host.onClosed(this);
    }
  }
}

/** Thrown inside the header reader after a refusal was already sent. */
class FeedEnded extends Error {}
