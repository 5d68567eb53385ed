/** Version of the panel protocol this server speaks, sent in the hello message. */
export const PANEL_PROTOCOL_VERSION = 1;

/** Options of {@link PanelServer}. */
export interface PanelServerOptions {
  /** TCP port to listen on. When it is in use, the next 20 ports are tried. Default 8765. */
  port?: number;
  /** Interface to listen on. Default "127.0.0.1". Any other than loopback needs `allowRemote`. */
  host?: string;
  /** Allows a host that is not loopback, so other machines can reach the panel. Default false. */
  allowRemote?: boolean;
  /** Folder of the built page: index.html and its assets. */
  webRoot: string;
  /** Name of the app, sent to the page in the hello message. */
  appName: string;
  /** Secret the page must present to open the WebSocket. Default 32 random bytes as hex. */
  token?: string;
  /**
   * Bytes queued on a connection above which binary frames to it are skipped rather than
   * queued. Default 4 MiB.
   */
  maxBufferedBytes?: number;
}

/** Default values of the optional {@link PanelServerOptions}. */
export const PANEL_SERVER_DEFAULTS = {
  port: 8765,
  host: "127.0.0.1",
  allowRemote: false,
  maxBufferedBytes: 4 * 1024 * 1024,
} as const;

/**
 * Largest message accepted from a page, in bytes. `ws` enforces it while receiving, so a larger
 * message is never buffered whole, and closes the connection with code 1009 (message too big).
 */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** A message from a page: a JSON object with a string `type`. */
export interface PanelClientMessage {
  type: string;
  [key: string]: unknown;
}

/** Events of {@link PanelServer}. Connection ids are positive integers, never reused. */
export interface PanelServerEvents extends Record<string, unknown> {
  /** A page opened the WebSocket and was sent the hello message. */
  connection: { id: number };
  /** A page sent a valid message. Messages of one connection arrive in the order sent. */
  message: { id: number; message: PanelClientMessage };
  /** A connection closed. */
  disconnect: { id: number };
  /**
   * An error the server caught and did not rethrow: a failed socket, a failed file read, or a
   * listener of another event that threw. `id` is the connection involved, or null.
   */
  error: { id: number | null; error: Error };
}

/** Counters of binary frames, over all connections since `start`. */
export interface PanelServerStats {
  binaryFramesSent: number;
  /** Frames not sent because the connection had more than `maxBufferedBytes` queued. */
  binaryFramesSkipped: number;
}

/** The address of a started panel. */
export interface PanelServerAddress {
  /** Address to open in a browser on this machine, token included. */
  url: string;
  token: string;
  /** Port actually listened on, which differs from the requested one when that was in use. */
  port: number;
  /** Sentences to show the user, such as a warning that the panel is reachable from the network. */
  warnings: string[];
}
