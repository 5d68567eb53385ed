import { randomBytes } from "node:crypto";
import { realpath, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { errorMessage } from "../core/errors.js";
import { TypedEmitter } from "../core/events.js";
import {
  allowedAuthorities,
  browserHost,
  isLoopbackHost,
  listenAddress,
  tokensMatch,
  urlHost,
} from "./server-access.js";
import {
  closeSocket,
  listenOnFreePort,
  PORT_ATTEMPTS,
  rawDataToString,
  rejectUpgrade,
} from "./server-socket.js";
import { securityHeaders, sendStatus, serveStatic } from "./server-static.js";

import {
  PANEL_PROTOCOL_VERSION,
  PANEL_SERVER_DEFAULTS,
  MAX_MESSAGE_BYTES,
  type PanelServerOptions,
  type PanelClientMessage,
  type PanelServerEvents,
  type PanelServerStats,
  type PanelServerAddress,
} from "./server-types.js";

export {
  PANEL_PROTOCOL_VERSION,
  PANEL_SERVER_DEFAULTS,
  MAX_MESSAGE_BYTES,
  type PanelServerOptions,
  type PanelClientMessage,
  type PanelServerEvents,
  type PanelServerStats,
  type PanelServerAddress,
} from "./server-types.js";


export { PORT_ATTEMPTS };

/** Shortest token accepted, in characters. */
const MIN_TOKEN_LENGTH = 16;
/** WebSocket close codes sent on a bad message (RFC 6455, section 7.4.1). */
const CLOSE_UNSUPPORTED_DATA = 1003;
const CLOSE_POLICY_VIOLATION = 1008;

/** Close code for a page that fell too far behind (RFC 6455 "try again later"). */
const CLOSE_TRY_AGAIN_LATER = 1013;

/** Pages connected at once; more are refused with 503. */
export const MAX_CONNECTIONS = 16;

type ServerState = "idle" | "starting" | "listening" | "stopping" | "stopped";

/**
 * Serves the panel page over HTTP and talks to it over a WebSocket at `/ws`. Only a page that
 * presents the token, from the panel's own origin, may open the WebSocket.
 */
export class PanelServer extends TypedEmitter<PanelServerEvents> {
  readonly #port: number;
  readonly #host: string;
  readonly #allowRemote: boolean;
  readonly #webRoot: string;
  readonly #appName: string;
  readonly #token: string;
  readonly #maxBufferedBytes: number;

  #state: ServerState = "idle";
  #httpServer: Server | undefined;
  readonly #webSocketServer = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
  });
  readonly #connections = new Map<number, WebSocket>();
  #nextConnectionId = 1;
  #boundPort = 0;
  #authorities: string[] = [];
  #headers: Record<string, string> = {};
  #webRootReal = "";
  #binaryFramesSent = 0;
  #binaryFramesSkipped = 0;

  constructor(options: PanelServerOptions) {
    super();
    const filled = { ...PANEL_SERVER_DEFAULTS, ...options };

    if (!Number.isInteger(filled.port) || filled.port < 0 || filled.port > 65535) {
      throw new RangeError(
        `port must be an integer from 0 to 65535, received ${String(filled.port)}`,
      );
    }
    if (typeof filled.host !== "string" || filled.host === "") {
      throw new TypeError(`host must be a non-empty string, received ${String(filled.host)}`);
    }
    if (!filled.allowRemote && !isLoopbackHost(filled.host)) {
      throw new RangeError(
        `host "${filled.host}" is not a loopback address (127.0.0.1, localhost or ::1); ` +
          "pass allowRemote: true to serve the panel to the network",
      );
    }
    if (typeof filled.webRoot !== "string" || filled.webRoot === "") {
      throw new TypeError(`webRoot must be a folder path, received ${String(filled.webRoot)}`);
    }
    if (typeof filled.appName !== "string") {
      throw new TypeError(`appName must be a string, received ${typeof filled.appName}`);
    }
    const token = filled.token ?? randomBytes(32).toString("hex");
    if (typeof token !== "string" || token.length < MIN_TOKEN_LENGTH) {
      throw new RangeError(
        `token must be a string of at least ${MIN_TOKEN_LENGTH} characters, ` +
          `received one of ${typeof token === "string" ? token.length : typeof token}; ` +
          "omit it to get a random one",
      );
    }
    if (!Number.isFinite(filled.maxBufferedBytes) || filled.maxBufferedBytes < 0) {
      throw new RangeError(
        "maxBufferedBytes must be a non-negative number, " +
          `received ${String(filled.maxBufferedBytes)}`,
      );
    }

    this.#port = filled.port;
    this.#host = filled.host;
    this.#allowRemote = filled.allowRemote;
    this.#webRoot = filled.webRoot;
    this.#appName = filled.appName;
    this.#token = token;
    this.#maxBufferedBytes = filled.maxBufferedBytes;
  }

  /** Number of open connections. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Counters of binary frames sent and skipped. */
  get stats(): PanelServerStats {
    return {
      binaryFramesSent: this.#binaryFramesSent,
      binaryFramesSkipped: this.#binaryFramesSkipped,
    };
  }

  /** Ids of the open connections, oldest first. */
  connectionIds(): number[] {
    return [...this.#connections.keys()];
  }

  /**
   * Listens on the configured port, or on one of the next {@link PORT_ATTEMPTS} ports when it is
   * in use. Rejects when the web root is not a folder, when every port tried is in use, or when
   * listening fails otherwise. May be called once.
   */
  async start(): Promise<PanelServerAddress> {
    if (this.#state !== "idle") {
      throw new Error(
        `start was called on a panel server that is ${this.#state}; create a new PanelServer`,
      );
    }
    this.#state = "starting";

    const warnings: string[] = [];
    try {
      this.#webRootReal = await realpath(this.#webRoot);
      if (!(await stat(this.#webRootReal)).isDirectory()) {
        throw new Error("not a folder");
      }
    } catch (error) {
      this.#state = "stopped";
      throw new Error(
        `panel webRoot ${this.#webRoot} is not a readable folder (${errorMessage(error)}); ` +
          "build the page or pass the folder that contains index.html",
      );
    }
    const hasIndex = await stat(join(this.#webRootReal, "index.html")).then(
      (info) => info.isFile(),
      () => false,
    );
    if (!hasIndex) {
      const indexPath = join(this.#webRoot, "index.html");
      warnings.push(`The panel page ${indexPath} is missing, so / returns 404.`);
    }

    const httpServer = createServer((request, response) => this.#handleRequest(request, response));
    httpServer.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#handleUpgrade(request, socket, head),
    );
    this.#httpServer = httpServer;
    try {
      this.#boundPort = await listenOnFreePort(httpServer, this.#port, listenAddress(this.#host));
    } catch (error) {
      this.#state = "stopped";
      this.#httpServer = undefined;
      throw error;
    }

    this.#authorities = allowedAuthorities(this.#host, this.#boundPort);
    this.#headers = securityHeaders(this.#authorities);
    this.#state = "listening";

    if (!isLoopbackHost(this.#host)) {
      warnings.push(
        `WARNING: the panel listens on ${urlHost(this.#host)}:${this.#boundPort} and is ` +
          "reachable from the network. Anyone who can reach this machine and has the token " +
          "can control the app.",
      );
    }
    const pageHost = browserHost(this.#host);
    return {
      url: `http://${pageHost}:${this.#boundPort}/?token=${encodeURIComponent(this.#token)}`,
      token: this.#token,
      port: this.#boundPort,
      warnings,
    };
  }

  /**
   * Closes every connection (code 1001, dropped after 1 s when the page does not respond)
   * and the listener. Resolves when no socket or timer of the server is left.
   */
  async stop(): Promise<void> {
    if (this.#state === "idle") {
      this.#state = "stopped";
      return;
    }
    if (this.#state === "stopping" || this.#state === "stopped") {
      return;
    }
    this.#state = "stopping";

    const closed = [...this.#connections.values()].map((socket) => closeSocket(socket));
    await Promise.all(closed);

    const httpServer = this.#httpServer;
    if (httpServer !== undefined) {
      await new Promise<void>((resolveClose) => {
        httpServer.close(() => resolveClose());
        httpServer.closeAllConnections();
      });
    }
    await new Promise<void>((resolveClose) => this.#webSocketServer.close(() => resolveClose()));
    this.#state = "stopped";
  }

  /** Sends `value` as JSON to one connection. Returns false when the connection is not open. */
  sendJson(id: number, value: unknown): boolean {
    const socket = this.#connections.get(id);
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) {
      return false;
    }
    // A page that stops reading would make text frames queue without bound; it is closed
    // instead, and a reload starts it afresh.
    if (socket.bufferedAmount > this.#maxBufferedBytes) {
      socket.close(CLOSE_TRY_AGAIN_LATER, "the page fell behind; reload it");
      return false;
    }
    socket.send(JSON.stringify(value));
    return true;
  }

  /** Sends `value` as JSON to every open connection. */
  broadcastJson(value: unknown): void {
    const text = JSON.stringify(value);
    for (const socket of this.#connections.values()) {
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(text);
      }
    }
  }

  /**
   * Sends a copy of `bytes` as a binary frame to one connection, so the caller may reuse its
   * buffer. Returns false when the connection is not open or the frame was skipped because more
   * than `maxBufferedBytes` are queued on it.
   */
  sendBinary(id: number, bytes: Uint8Array): boolean {
    const socket = this.#connections.get(id);
    if (socket === undefined) {
      return false;
    }
    return this.#sendBinaryTo(socket, Buffer.from(bytes));
  }

  /** Sends one copy of `bytes` as a binary frame to every open connection that is keeping up. */
  broadcastBinary(bytes: Uint8Array): void {
    if (this.#connections.size === 0) {
      return;
    }
    // `ws` sends a Buffer without copying it; this copy is never written after this point.
    const frame = Buffer.from(bytes);
    for (const socket of this.#connections.values()) {
      this.#sendBinaryTo(socket, frame);
    }
  }

  #sendBinaryTo(socket: WebSocket, frame: Buffer): boolean {
    if (socket.readyState !== WebSocket.OPEN) {
      return false;
    }
    if (socket.bufferedAmount > this.#maxBufferedBytes) {
      this.#binaryFramesSkipped += 1;
      return false;
    }
    socket.send(frame, { binary: true });
    this.#binaryFramesSent += 1;
    return true;
  }

  #handleRequest(request: IncomingMessage, response: ServerResponse): void {
    if (this.#state !== "listening") {
      sendStatus(response, 503, this.#headers);
      return;
    }
    if (!this.#hostAllowed(request)) {
      sendStatus(response, 403, this.#headers);
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      sendStatus(response, 405, this.#headers, { Allow: "GET, HEAD" });
      return;
    }
    serveStatic(request, response, this.#webRootReal, this.#headers).catch((error: unknown) => {
      this.#report(null, error);
      if (!response.headersSent) {
        sendStatus(response, 500, this.#headers);
      } else {
        response.destroy();
      }
    });
  }

  #handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", (error) => this.#report(null, error));

    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/ws") {
      rejectUpgrade(socket, 404);
      return;
    }
    if (this.#state !== "listening") {
      rejectUpgrade(socket, 503);
      return;
    }
    const token = url.searchParams.get("token");
    const origin = request.headers.origin;
    const originAllowed =
      origin !== undefined &&
      this.#authorities.some((authority) => origin === `http://${authority}`);
    const tokenValid = token !== null && tokensMatch(token, this.#token);
    if (!this.#hostAllowed(request) || !originAllowed || !tokenValid) {
      rejectUpgrade(socket, 403);
      return;
    }
    if (this.#connections.size >= MAX_CONNECTIONS) {
      rejectUpgrade(socket, 503);
      return;
    }

    this.#webSocketServer.handleUpgrade(request, socket, head, (webSocket) =>
      this.#accept(webSocket),
    );
  }

  /**
   * Whether the `Host` header names this panel. A loopback panel checks it so that a page served
   * under a DNS name rebound to 127.0.0.1 cannot read from it. A remote panel is reached under
   * names this server cannot know, so there the token is the only check.
   */
  #hostAllowed(request: IncomingMessage): boolean {
    if (this.#allowRemote && !isLoopbackHost(this.#host)) {
      return true;
    }
    const host = request.headers.host;
    return host !== undefined && this.#authorities.includes(host.toLowerCase());
  }

  #accept(socket: WebSocket): void {
    if (this.#state !== "listening") {
      socket.terminate();
      return;
    }
    const id = this.#nextConnectionId;
    this.#nextConnectionId += 1;
    this.#connections.set(id, socket);

    socket.on("error", (error) => this.#report(id, error));
    socket.on("message", (data, isBinary) => this.#handleMessage(id, socket, data, isBinary));
    socket.on("close", () => {
      this.#connections.delete(id);
      this.#emitSafely("disconnect", { id });
    });

    socket.send(
      JSON.stringify({ type: "hello", protocol: PANEL_PROTOCOL_VERSION, appName: this.#appName }),
    );
    this.#emitSafely("connection", { id });
  }

  #handleMessage(id: number, socket: WebSocket, data: RawData, isBinary: boolean): void {
    // Frames that arrive after the server began closing the connection are dropped.
    if (socket.readyState !== WebSocket.OPEN) {
      return;
    }
    if (isBinary) {
      socket.close(CLOSE_UNSUPPORTED_DATA, "binary messages are not accepted");
      return;
    }
    const text = rawDataToString(data);

    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      socket.close(CLOSE_POLICY_VIOLATION, "invalid JSON");
      return;
    }
    if (!isClientMessage(parsed)) {
      socket.close(CLOSE_POLICY_VIOLATION, "message must be a JSON object with a string type");
      return;
    }
    this.#emitSafely("message", { id, message: parsed });
  }

  /** Emits an event; a listener that throws is reported as an `error` event. */
  #emitSafely<K extends "connection" | "message" | "disconnect">(
    event: K,
    payload: PanelServerEvents[K],
  ): void {
    const id = payload.id;
    this.emit(event, payload, (error) => this.#report(id, error));
  }

  #report(id: number | null, error: unknown): void {
    const asError = error instanceof Error ? error : new Error(errorMessage(error));
    // A throwing `error` listener has nowhere left to report to, so its error is dropped.
    this.emit("error", { id, error: asError }, () => undefined);
  }
}

/** Whether `value` is a JSON object with a string `type`. */
function isClientMessage(value: unknown): value is PanelClientMessage {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { type?: unknown }).type === "string"
  );
}
