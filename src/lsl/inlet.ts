/**
 * The inlet's side of an LSL connection: the full-info request, and the stream feed with its
 * handshake, test-pattern check and sample decoding, in protocol 1.10 or 1.00.
 */

import { connect, type Socket } from "node:net";
import { hostname } from "node:os";
import { TypedEmitter } from "../core/events.js";
import { LslProtocolError } from "./errors.js";
import { FeedReader, type InletChunk } from "./feed-decoding.js";
import { LineReader, parseHeaderLine } from "./net.js";
import { LSL_PROTOCOL_VERSION, MAX_INFO_CHARS, parseStreamInfo, type LslStreamInfo } from "./stream-info.js";
import { valueBytes } from "./formats.js";
import { DEFAULT_MAX_STRING_BYTES, isLittleEndianByteOrder } from "./sample-codec.js";

/** Maximum wait for a connection or a reply, in ms, before an inlet gives up. */
export const INLET_TIMEOUT_MS = 5000;

/** Options of an inlet's connection. */
export interface LslInletOptions {
  /** Seconds of samples the outlet may queue for this inlet. Default 360, as liblsl's. */
  readonly maxBufferedS?: number;
  /** Highest protocol version to ask for: 110, or 100 for the old feed. Default 110. */
  readonly protocolVersion?: number;
  /** Session id sent in the feed request's headers. Default `default`. */
  readonly sessionId?: string;
  /** Maximum wait for the connection and the handshake, in ms. Default {@link INLET_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Maximum length of a string value, in bytes; a longer one ends the feed. Default 1 MiB. */
  readonly maxStringBytes?: number;
}

/** Events of an inlet. */
export interface LslInletEvents extends Record<string, unknown> {
  /** Samples received, in arrival order, with the outlet's timestamps. */
  chunk: InletChunk;
  /** The connection ended: `error` is set when it did not end by {@link LslInlet.close}. */
  closed: { readonly error: Error | undefined };
}

/** Maximum delay of Node's timers, in ms; a longer one would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Returns `timeoutMs` when it is a usable timer delay; throws a `RangeError` naming it otherwise. */
export function checkTimeoutMs(timeoutMs: number, name = "timeoutMs"): number {
  if (!(timeoutMs >= 0 && timeoutMs <= MAX_TIMER_MS)) {
    throw new RangeError(`${name} must be from 0 to ${MAX_TIMER_MS} ms, received ${String(timeoutMs)}`);
  }
  return timeoutMs;
}

function addressOf(info: LslStreamInfo): { host: string; port: number } {
  if (info.v4address === "" || info.v4dataPort === 0) {
    throw new Error(`stream ${info.name} has no IPv4 address and data port; resolve it with resolveStreams first`);
  }
  return { host: info.v4address, port: info.v4dataPort };
}

function openSocket(info: LslStreamInfo, timeoutMs: number): Promise<Socket> {
  const { host, port } = addressOf(info);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 5000 });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connecting to ${info.name} at ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`could not connect to ${info.name} at ${host}:${port}: ${error.message}`));
    });
  });
}

/**
 * Asks an outlet for its full info, `desc` included. Rejects when the outlet cannot be reached,
 * sends an invalid document, or takes longer than `timeoutMs`.
 */
export async function fetchFullInfo(info: LslStreamInfo, timeoutMs = INLET_TIMEOUT_MS): Promise<LslStreamInfo> {
  checkTimeoutMs(timeoutMs);
  const socket = await openSocket(info, timeoutMs);
  const text = await new Promise<string>((resolve, reject) => {
    const parts: Buffer[] = [];
    let length = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`full info of ${info.name} did not arrive within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("data", (bytes: Buffer) => {
      length += bytes.length;
      if (length > MAX_INFO_CHARS) {
        clearTimeout(timer);
        socket.destroy();
        reject(new LslProtocolError(`full info of ${info.name} is longer than ${MAX_INFO_CHARS} bytes`));
        return;
      }
      parts.push(bytes);
    });
    socket.once("end", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(parts).toString("utf8"));
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.write("LSL:fullinfo\r\n");
  });
  socket.destroy();
  const full = parseStreamInfo(text);
  return { ...full, v4address: full.v4address === "" ? info.v4address : full.v4address };
}

/** Formats the stream feed request liblsl's inlet sends, for protocol 1.10 or 1.00. */
export function formatFeedRequest(info: LslStreamInfo, options: { protocolVersion: number; maxBufferSamples: number; sessionId: string }): string {
  if (options.protocolVersion < 110) {
    return `LSL:streamfeed\r\n${options.maxBufferSamples} 0\r\n`;
  }
  const valueSize = info.channelFormat === "string" ? 0 : valueBytes(info.channelFormat);
  return (
    `LSL:streamfeed/${options.protocolVersion} ${info.uid}\r\n` +
    "Native-Byte-Order: 1234\r\n" +
    "Endian-Performance: 0\r\n" +
    "Has-IEEE754-Floats: 1\r\n" +
    "Supports-Subnormals: 1\r\n" +
    `Value-Size: ${valueSize}\r\n` +
    `Data-Protocol-Version: ${options.protocolVersion}\r\n` +
    `Max-Buffer-Length: ${options.maxBufferSamples}\r\n` +
    "Max-Chunk-Length: 0\r\n" +
    `Hostname: ${hostname()}\r\n` +
    `Source-Id: ${info.sourceId}\r\n` +
    `Session-Id: ${options.sessionId}\r\n` +
    "\r\n"
  );
}

/** A stream feed from one outlet. Open one with {@link LslInlet.open}. */
export class LslInlet extends TypedEmitter<LslInletEvents> {
  readonly info: LslStreamInfo;
  /** Protocol the outlet chose: 110 or 100. */
  readonly protocolVersion: number;
  readonly #socket: Socket;
  readonly #reader: FeedReader;
  #closed = false;
  #samplesReceived = 0;

  private constructor(info: LslStreamInfo, socket: Socket, reader: FeedReader, protocolVersion: number) {
    super();
    this.info = info;
    this.#socket = socket;
    this.#reader = reader;
    this.protocolVersion = protocolVersion;
  }

  /** Samples received since the feed opened. */
  get samplesReceived(): number {
    return this.#samplesReceived;
  }

  /**
   * Connects to the outlet of `info`, requests the stream feed, reads the response and checks the
   * two test patterns. Resolves once samples can flow; rejects with the outlet's refusal or a
   * {@link LslProtocolError} that names what was malformed.
   */
  static async open(info: LslStreamInfo, options: LslInletOptions = {}): Promise<LslInlet> {
    const timeoutMs = checkTimeoutMs(options.timeoutMs ?? INLET_TIMEOUT_MS);
    const maxBufferedS = options.maxBufferedS ?? 360;
    if (!(maxBufferedS > 0 && Number.isFinite(maxBufferedS))) {
      throw new RangeError(`maxBufferedS must be a positive number of seconds, received ${String(maxBufferedS)}`);
    }
    const maxStringBytes = options.maxStringBytes ?? DEFAULT_MAX_STRING_BYTES;
    if (!(Number.isInteger(maxStringBytes) && maxStringBytes > 0)) {
      throw new RangeError(`maxStringBytes must be a positive integer, received ${String(maxStringBytes)}`);
    }
    const requested = Math.min(options.protocolVersion ?? LSL_PROTOCOL_VERSION, info.version, LSL_PROTOCOL_VERSION);
    const perSecond = info.nominalSrateHz > 0 ? info.nominalSrateHz : 100;
    const maxBufferSamples = Math.max(1, Math.ceil(maxBufferedS * perSecond));
    const socket = await openSocket(info, timeoutMs);
    try {
      const { reader, protocolVersion, first } = await handshake(socket, info, {
        protocolVersion: requested,
        maxBufferSamples,
        sessionId: options.sessionId ?? "default",
        timeoutMs,
        maxStringBytes,
      });
      const inlet = new LslInlet(info, socket, reader, protocolVersion);
      inlet.#listen(first);
      return inlet;
    } catch (error) {
      socket.destroy();
      throw error;
    }
  }

  /** Ends the feed. Calls after the first do nothing. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#socket.destroy();
    this.emit("closed", { error: undefined });
  }

  #listen(first: InletChunk): void {
    const deliver = (chunk: InletChunk) => {
      if (chunk.count > 0) {
        this.#samplesReceived += chunk.count;
        this.emit("chunk", chunk);
      }
    };
    this.#socket.on("data", (bytes: Buffer) => {
      let chunk: InletChunk;
      try {
        chunk = this.#reader.push(bytes);
      } catch (error) {
        this.#end(error as Error);
        return;
      }
      deliver(chunk);
    });
    this.#socket.on("error", (error) => this.#end(error));
    this.#socket.on("close", () => this.#end(new Error(`outlet ${this.info.name} closed the connection`)));
    if (first.count > 0) {
      // Handed on after open() resolves, so the caller can add its listener first.
      setImmediate(() => deliver(first));
    }
  }

  #end(error: Error): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#socket.destroy();
    this.emit("closed", { error });
  }
}

/** Sends the feed request and reads the response header and the test patterns. */
function handshake(
  socket: Socket,
  info: LslStreamInfo,
  options: { protocolVersion: number; maxBufferSamples: number; sessionId: string; timeoutMs: number; maxStringBytes: number },
): Promise<{ reader: FeedReader; protocolVersion: number; first: InletChunk }> {
  return new Promise((resolve, reject) => {
    const lines = new LineReader();
    let reader: FeedReader | undefined;
    let protocolVersion = options.protocolVersion;
    let littleEndian = true;
    const timer = setTimeout(() => fail(new Error(`handshake with ${info.name} timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    const cleanUp = () => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", fail);
      socket.off("close", onClose);
    };
    const fail = (error: Error) => {
      cleanUp();
      reject(error);
    };
    const onClose = () => fail(new Error(`outlet ${info.name} closed the connection during the handshake`));
    const onData = (bytes: Buffer) => {
      try {
        if (reader === undefined) {
          lines.push(bytes);
          if (options.protocolVersion >= 110) {
            if (!lines.hasBlankLine()) {
              return;
            }
            ({ version: protocolVersion, littleEndian } = readResponseHeader(lines, info));
          } else {
            protocolVersion = 100;
          }
          reader = new FeedReader(info, protocolVersion, littleEndian, options.maxStringBytes);
          bytes = lines.rest();
        }
        const first = reader.pushHandshake(bytes);
        if (first !== undefined) {
          cleanUp();
          resolve({ reader, protocolVersion, first });
        }
      } catch (error) {
        fail(error as Error);
      }
    };
    socket.on("data", onData);
    socket.on("error", fail);
    socket.on("close", onClose);
    socket.write(formatFeedRequest(info, options));
  });
}

/** Reads the response status line and headers; returns the data protocol and the byte order. */
function readResponseHeader(lines: LineReader, info: LslStreamInfo): { version: number; littleEndian: boolean } {
  const status = lines.line() ?? "";
  const parts = status.trim().split(/\s+/);
  if (parts.length < 3 || !(parts[0] ?? "").startsWith("LSL/")) {
    throw new LslProtocolError(`outlet ${info.name} responded "${status.slice(0, 80)}", not an LSL response`);
  }
  const code = Number.parseInt(parts[1] ?? "", 10);
  if (code === 404) {
    throw new Error(`outlet ${info.name} no longer serves stream ${info.uid} (404); resolve it again`);
  }
  if (code !== 200) {
    throw new Error(`outlet ${info.name} rejected the stream feed request: ${status.trim()}`);
  }
  let version = LSL_PROTOCOL_VERSION;
  let littleEndian = true;
  for (let line = lines.line(); line !== undefined && line !== ""; line = lines.line()) {
    const parsed = parseHeaderLine(line);
    if (parsed === undefined) {
      continue;
    }
    const [key, value] = parsed;
    if (key === "uid" && value !== info.uid.toLowerCase()) {
      throw new LslProtocolError(`outlet responded with stream uid ${value}, expected ${info.uid}`);
    }
    if (key === "byte-order") {
      littleEndian = isLittleEndianByteOrder(Number(value));
    }
    if (key === "data-protocol-version") {
      version = Number.parseInt(value, 10);
      if (!(version === 100 || version === 110)) {
        throw new LslProtocolError(`outlet chose data protocol ${value}; 100 or 110 was expected`);
      }
    }
  }
  return { version, littleEndian };
}
