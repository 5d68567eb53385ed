/** The panel's WebSocket: connects with the page's token and reconnects with backoff. */

import type { ClientMessage } from "./protocol.js";

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

export type ConnectionState =
  | { kind: "connecting" }
  | { kind: "open" }
  | { kind: "waiting"; retryMs: number; reason: string };

export interface ConnectionHandlers {
  onOpen(): void;
  onText(text: string): void;
  onBinary(buffer: ArrayBuffer): void;
  onState(state: ConnectionState): void;
}

/** Builds `ws(s)://<host>/ws?token=…` from the page's own address. */
export function socketUrl(location: Location): string {
  const token = new URLSearchParams(location.search).get("token") ?? "";
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`;
}

export class Connection {
  readonly #url: string;
  readonly #handlers: ConnectionHandlers;
  #socket: WebSocket | undefined;
  #retryMs = FIRST_RETRY_MS;

  constructor(url: string, handlers: ConnectionHandlers) {
    this.#url = url;
    this.#handlers = handlers;
  }

  connect(): void {
    this.#handlers.onState({ kind: "connecting" });
    const socket = new WebSocket(this.#url);
    socket.binaryType = "arraybuffer";
    this.#socket = socket;

    socket.addEventListener("open", () => {
      this.#retryMs = FIRST_RETRY_MS;
      this.#handlers.onState({ kind: "open" });
      this.#handlers.onOpen();
    });
    socket.addEventListener("message", (event: MessageEvent<unknown>) => {
      if (typeof event.data === "string") this.#handlers.onText(event.data);
      else if (event.data instanceof ArrayBuffer) this.#handlers.onBinary(event.data);
    });
    socket.addEventListener("close", (event) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      const retryMs = this.#retryMs;
      this.#retryMs = Math.min(MAX_RETRY_MS, this.#retryMs * 2);
      const reason = event.reason || `closed with code ${event.code}`;
      this.#handlers.onState({ kind: "waiting", retryMs, reason });
      setTimeout(() => this.connect(), retryMs);
    });
  }

  /** Sends a message if the socket is open, and drops it otherwise. */
  send(message: ClientMessage): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }
}
