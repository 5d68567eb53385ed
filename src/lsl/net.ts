/**
 * Socket helpers shared by outlets and inlets: binding in LSL's port range, and reading the
 * CRLF-terminated text lines that open every LSL exchange, with bounded buffers.
 */

import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server, type Socket } from "node:net";
import { LslProtocolError } from "./errors.js";

/** Maximum length of a request or header line, in bytes; longer ones end the connection. */
export const MAX_LINE_BYTES = 64 * 1024;

/** Maximum size of a header block (request line and headers), in bytes. */
export const MAX_HEADER_BYTES = 256 * 1024;

/** Ports an outlet may bind: the first free one from `basePort`, then any when allowed. */
export interface PortRange {
  readonly basePort: number;
  readonly portRange: number;
  readonly allowRandomPorts: boolean;
}

function portsToTry(range: PortRange): number[] {
  const ports: number[] = [];
  for (let port = range.basePort; port < range.basePort + range.portRange && port <= 65535; port++) {
    ports.push(port);
  }
  if (range.allowRandomPorts) {
    ports.push(0);
  }
  return ports;
}

function isAddressInUse(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "EADDRINUSE" || code === "EACCES";
}

/** Binds a UDP socket to the first free port of `range` on `address`. */
export async function bindUdpInRange(address: string, range: PortRange): Promise<UdpSocket> {
  for (const port of portsToTry(range)) {
    const socket = createSocket({ type: "udp4" });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind({ port, address, exclusive: true }, () => {
          socket.off("error", reject);
          resolve();
        });
      });
      return socket;
    } catch (error) {
      socket.close();
      if (!isAddressInUse(error)) {
        throw error;
      }
    }
  }
  throw new Error(
    `no free UDP port from ${range.basePort} to ${range.basePort + range.portRange - 1} on ${address}; ` +
      "close other LSL outlets, widen ports.PortRange or set ports.AllowRandomPorts = 1",
  );
}

/** Starts a TCP server on the first free port of `range` on `address`. */
export async function listenTcpInRange(server: Server, address: string, range: PortRange): Promise<number> {
  for (const port of portsToTry(range)) {
    try {
      await new Promise<void>((resolve, reject) => {
        const onListening = () => {
          server.off("error", onError);
          resolve();
        };
        // Each listener is removed whichever way the attempt ends, so trying many ports adds none.
        const onError = (error: Error) => {
          server.off("listening", onListening);
          reject(error);
        };
        server.once("error", onError);
        server.once("listening", onListening);
        server.listen({ port, host: address, exclusive: true });
      });
      const bound = server.address();
      return typeof bound === "object" && bound !== null ? bound.port : port;
    } catch (error) {
      if (!isAddressInUse(error)) {
        throw error;
      }
    }
  }
  throw new Error(
    `no free TCP port from ${range.basePort} to ${range.basePort + range.portRange - 1} on ${address}; ` +
      "close other LSL outlets, widen ports.PortRange or set ports.AllowRandomPorts = 1",
  );
}

/** Creates a TCP server whose connections have Nagle's delay turned off, as liblsl's do. */
export function createNoDelayServer(onConnection: (socket: Socket) => void): Server {
  return createServer({ noDelay: true }, onConnection);
}

/**
 * Collects bytes of a TCP stream and hands out CRLF-terminated lines and the bytes after them.
 * Holds at most `maxBytes`; beyond that it throws, so a peer that never ends a line cannot grow
 * memory.
 */
export class LineReader {
  #buffer: Buffer = Buffer.alloc(0);
  readonly #maxBytes: number;

  constructor(maxBytes = MAX_HEADER_BYTES) {
    this.#maxBytes = maxBytes;
  }

  /** Appends received bytes. Throws {@link LslProtocolError} when the buffer would pass its limit. */
  push(bytes: Buffer): void {
    if (this.#buffer.length + bytes.length > this.#maxBytes) {
      throw new LslProtocolError(`peer sent more than ${this.#maxBytes} bytes without completing its header`);
    }
    this.#buffer = this.#buffer.length === 0 ? bytes : Buffer.concat([this.#buffer, bytes]);
  }

  /** Returns the next line without its line end (`\n`, optionally after `\r`), or undefined. */
  line(): string | undefined {
    const end = this.#buffer.indexOf(0x0a);
    if (end < 0) {
      if (this.#buffer.length > MAX_LINE_BYTES) {
        throw new LslProtocolError(`peer sent a line longer than ${MAX_LINE_BYTES} bytes`);
      }
      return undefined;
    }
    const line = this.#buffer.subarray(0, end).toString("latin1").replace(/\r$/, "");
    this.#buffer = this.#buffer.subarray(end + 1);
    return line;
  }

  /** Returns whether the buffer holds `\r\n\r\n`, the end of a header block. */
  hasBlankLine(): boolean {
    return this.#buffer.includes("\r\n\r\n");
  }

  /** Takes every byte not yet read as lines. */
  rest(): Buffer {
    const rest = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    return rest;
  }

  get bufferedBytes(): number {
    return this.#buffer.length;
  }
}

/** Parses a header line as liblsl does: cut at `;`, lower-cased, split at the first `:`. */
export function parseHeaderLine(line: string): [key: string, value: string] | undefined {
  const content = (line.split(";")[0] ?? "").toLowerCase();
  const colon = content.indexOf(":");
  if (colon < 0) {
    return undefined;
  }
  return [content.slice(0, colon).trim(), content.slice(colon + 1).trim()];
}
