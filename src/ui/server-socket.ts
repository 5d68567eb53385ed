import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocket, type RawData } from "ws";
import { errorMessage } from "../core/errors.js";
import { statusText } from "./server-static.js";

/** Number of ports after the requested one that the panel server tries when a port is in use. */
export const PORT_ATTEMPTS = 20;

/** Time a closing connection gets to complete the closing handshake before it is dropped. */
const CLOSE_GRACE_MS = 1000;

/** WebSocket close code 1001 (RFC 6455, section 7.4.1): the server is going away. */
const CLOSE_GOING_AWAY = 1001;

/** The text of a WebSocket message, whichever form `ws` delivered it in. */
export function rawDataToString(data: RawData): string {
  if (Array.isArray(data)) {
    return Buffer.concat(data).toString("utf8");
  }
  if (Buffer.isBuffer(data)) {
    return data.toString("utf8");
  }
  return Buffer.from(data).toString("utf8");
}

/** Rejects a WebSocket upgrade request with an HTTP error status and closes the socket. */
export function rejectUpgrade(socket: Duplex, status: number): void {
  socket.once("finish", () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${statusText(status)}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
  );
}

/** Starts the closing handshake and resolves when the socket is closed, dropping it if needed. */
export function closeSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) {
    return Promise.resolve();
  }
  return new Promise((resolveClose) => {
    const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
    socket.once("close", () => {
      clearTimeout(timer);
      resolveClose();
    });
    socket.close(CLOSE_GOING_AWAY, "panel server stopping");
  });
}

/**
 * Listens on `port`, or on the next free one of up to {@link PORT_ATTEMPTS} more, and returns the
 * port bound. Port 0 lets the system choose and is never retried.
 */
export async function listenOnFreePort(
  server: Server,
  port: number,
  host: string,
): Promise<number> {
  const lastPort = port === 0 ? 0 : Math.min(port + PORT_ATTEMPTS, 65535);
  for (let candidate = port; candidate <= lastPort; candidate += 1) {
    try {
      await listenOnce(server, candidate, host);
      return (server.address() as AddressInfo).port;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EADDRINUSE") {
        throw new Error(
          `panel server failed to listen on ${host}:${candidate}: ${errorMessage(error)}`,
        );
      }
    }
  }
  throw new Error(
    `panel server ports ${port} to ${lastPort} on ${host} are all in use; pass a free port`,
  );
}

export function listenOnce(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolveListen, rejectListen) => {
    const onError = (error: Error): void => {
      server.off("listening", onListening);
      rejectListen(error);
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolveListen();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}
