import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { createServer as createNetServer, type Server as NetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { PanelServer, type PanelServerOptions } from "../src/ui/server.js";

const EVENT_TIMEOUT_MS = 5000;
const TOKEN = "0123456789abcdef0123456789abcdef";
const INDEX_HTML = "<!doctype html><title>panel</title><script src=app.js></script>";
const APP_JS = "console.log('panel');";

let workFolder = "";
let webRoot = "";
const servers: PanelServer[] = [];
const clients: WebSocket[] = [];
const blockers: NetServer[] = [];

beforeAll(async () => {
  workFolder = await mkdtemp(join(tmpdir(), "myogestic-ui-server-"));
  webRoot = join(workFolder, "web");
  await mkdir(join(webRoot, "assets"), { recursive: true });
  await writeFile(join(webRoot, "index.html"), INDEX_HTML);
  await writeFile(join(webRoot, "app.js"), APP_JS);
  await writeFile(join(webRoot, "assets", "style.css"), "body { margin: 0; }");
  await writeFile(join(workFolder, "secret.txt"), "outside the web root");
});

afterAll(async () => {
  await rm(workFolder, { recursive: true, force: true });
});

afterEach(async () => {
  for (const client of clients.splice(0)) {
    client.terminate();
  }
  await Promise.all(servers.splice(0).map((server) => server.stop()));
  await Promise.all(
    blockers.splice(0).map((blocker) => new Promise((resolve) => blocker.close(resolve))),
  );
});

/** Rejects when `promise` has not settled within `timeoutMs`. */
function withTimeout<T>(
  promise: Promise<T>,
  what: string,
  timeoutMs = EVENT_TIMEOUT_MS,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Resolves with the payload of the next `event` of `server`. */
function nextEvent<K extends "connection" | "message" | "disconnect" | "error">(
  server: PanelServer,
  event: K,
): Promise<Parameters<Parameters<PanelServer["on"]>[1]>[0]> {
  return withTimeout(
    new Promise((resolve) => {
      const off = server.on(event, (payload) => {
        off();
        resolve(payload);
      });
    }),
    `server event ${event}`,
  );
}

async function startServer(
  options: Partial<PanelServerOptions> = {},
): Promise<{ server: PanelServer; port: number; url: string; warnings: string[] }> {
  const server = new PanelServer({
    port: 0,
    webRoot,
    appName: "Test app",
    token: TOKEN,
    ...options,
  });
  servers.push(server);
  const address = await server.start();
  return { server, port: address.port, url: address.url, warnings: address.warnings };
}

interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends one HTTP request with the path written exactly as given, unlike `fetch`. */
function sendRequest(
  port: number,
  path: string,
  method = "GET",
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const result = new Promise<HttpResult>((resolve, reject) => {
    const request = httpRequest(
      { host: "127.0.0.1", port, path, method, headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    request.on("error", reject);
    request.end();
  });
  return withTimeout(result, `HTTP ${method} ${path}`);
}

interface TestClient {
  socket: WebSocket;
  /** Resolves with the next message the server sent, parsed when it is text. */
  nextMessage(): Promise<unknown>;
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a WebSocket; resolves once it is open, or rejects with the HTTP status refusing it. */
function connect(
  port: number,
  options: { token?: string | null; origin?: string | null; path?: string } = {},
): Promise<TestClient> {
  const token = options.token === undefined ? TOKEN : options.token;
  const origin = options.origin === undefined ? `http://127.0.0.1:${port}` : options.origin;
  const path = options.path ?? "/ws";
  const query = token === null ? "" : `?token=${encodeURIComponent(token)}`;
  const socket = new WebSocket(`ws://127.0.0.1:${port}${path}${query}`, {
    ...(origin === null ? {} : { origin }),
  });
  clients.push(socket);

  const queued: unknown[] = [];
  const waiting: ((message: unknown) => void)[] = [];
  socket.on("message", (data, isBinary) => {
    const buffer = data as Buffer;
    const message: unknown = isBinary
      ? new Uint8Array(buffer)
      : (JSON.parse(buffer.toString("utf8")) as unknown);
    const waiter = waiting.shift();
    if (waiter === undefined) {
      queued.push(message);
    } else {
      waiter(message);
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on("close", (code, reason) => resolve({ code, reason: reason.toString("utf8") }));
  });
  const client: TestClient = {
    socket,
    closed: withTimeout(closed, "the WebSocket to close"),
    nextMessage: () => {
      if (queued.length > 0) {
        return Promise.resolve(queued.shift());
      }
      return withTimeout(new Promise((resolve) => waiting.push(resolve)), "a server message");
    },
  };
  // The close promise is awaited only by some tests.
  client.closed.catch(() => undefined);

  const opened = new Promise<TestClient>((resolve, reject) => {
    socket.on("open", () => resolve(client));
    socket.on("unexpected-response", (request, response) => {
      reject(new Error(`HTTP ${response.statusCode ?? 0}`));
      request.destroy();
    });
    socket.on("error", reject);
  });
  return withTimeout(opened, "the WebSocket to open");
}

describe("PanelServer static files", () => {
  it("serves index.html at / with security headers", async () => {
    const { port } = await startServer();
    const response = await sendRequest(port, "/");

    expect(response.status).toBe(200);
    expect(response.body).toBe(INDEX_HTML);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    const policy = response.headers["content-security-policy"] ?? "";
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain(`connect-src 'self' ws://127.0.0.1:${port}`);
    expect(response.headers["referrer-policy"]).toBe("no-referrer");
  });

  it("serves assets with their content types", async () => {
    const { port } = await startServer();
    const script = await sendRequest(port, "/app.js?v=1");
    const style = await sendRequest(port, "/assets/style.css");

    expect(script.status).toBe(200);
    expect(script.body).toBe(APP_JS);
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(style.status).toBe(200);
    expect(style.headers["content-type"]).toBe("text/css; charset=utf-8");
  });

  it("returns 404 for a missing file or a folder", async () => {
    const { port } = await startServer();

    expect((await sendRequest(port, "/missing.js")).status).toBe(404);
    expect((await sendRequest(port, "/assets")).status).toBe(404);
    expect((await sendRequest(port, "/ws")).status).toBe(404);
  });

  it("rejects path traversal", async () => {
    const { port } = await startServer();
    const paths = [
      "/../secret.txt",
      "/assets/../../secret.txt",
      "/%2e%2e/secret.txt",
      "/%2E%2E%2Fsecret.txt",
      "/..%5csecret.txt",
      "/%00index.html",
      "/%zz",
    ];
    for (const path of paths) {
      const response = await sendRequest(port, path);
      expect([400, 404], path).toContain(response.status);
      expect(response.body, path).not.toContain("outside the web root");
    }
  });

  it("answers other methods with 405", async () => {
    const { port } = await startServer();
    const response = await sendRequest(port, "/", "POST");

    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe("GET, HEAD");
  });

  it("rejects a foreign Host header", async () => {
    const { port } = await startServer();
    const response = await sendRequest(port, "/", "GET", { Host: `rebound.example:${port}` });

    expect(response.status).toBe(403);
  });
});

describe("PanelServer WebSocket access", () => {
  it("rejects a missing or wrong token with 403", async () => {
    const { port } = await startServer();

    await expect(connect(port, { token: null })).rejects.toThrow("HTTP 403");
    await expect(connect(port, { token: "wrong" })).rejects.toThrow("HTTP 403");
    await expect(connect(port, { token: `${TOKEN.slice(0, -1)}0` })).rejects.toThrow("HTTP 403");
  });

  it("rejects a wrong or missing Origin with 403", async () => {
    const { port } = await startServer();

    await expect(connect(port, { origin: "http://evil.example" })).rejects.toThrow("HTTP 403");
    await expect(connect(port, { origin: `http://127.0.0.1:${port + 1}` })).rejects.toThrow(
      "HTTP 403",
    );
    await expect(connect(port, { origin: `https://127.0.0.1:${port}` })).rejects.toThrow(
      "HTTP 403",
    );
    await expect(connect(port, { origin: null })).rejects.toThrow("HTTP 403");
  });

  it("answers other upgrade paths with 404", async () => {
    const { port } = await startServer();

    await expect(connect(port, { path: "/socket" })).rejects.toThrow("HTTP 404");
  });

  it("sends hello to a page with the right token and origin", async () => {
    const { server, port, url } = await startServer();
    const connection = nextEvent(server, "connection");
    const client = await connect(port, { origin: `http://localhost:${port}` });

    expect(await client.nextMessage()).toEqual({ type: "hello", protocol: 1, appName: "Test app" });
    expect(await connection).toEqual({ id: 1 });
    expect(server.connectionIds()).toEqual([1]);
    expect(server.connectionCount).toBe(1);
    expect(url).toBe(`http://127.0.0.1:${port}/?token=${TOKEN}`);
  });

  it("generates a 64-character hex token by default", async () => {
    const server = new PanelServer({ port: 0, webRoot, appName: "Test app" });
    servers.push(server);
    const address = await server.start();

    expect(address.token).toMatch(/^[0-9a-f]{64}$/);
    expect(address.url).toContain(`?token=${address.token}`);
  });
});

describe("PanelServer messages", () => {
  it("emits messages in the order sent", async () => {
    const { server, port } = await startServer();
    const client = await connect(port);
    await client.nextMessage();

    const received: unknown[] = [];
    const allReceived = withTimeout(
      new Promise<void>((resolve) => {
        server.on("message", ({ id, message }) => {
          received.push({ id, message });
          if (received.length === 3) {
            resolve();
          }
        });
      }),
      "three messages",
    );
    client.socket.send(JSON.stringify({ type: "click", id: "root/a" }));
    client.socket.send(JSON.stringify({ type: "toggle", id: "root/b", checked: true }));
    client.socket.send(JSON.stringify({ type: "plotWidth", id: "root/c", widthPx: 640 }));
    await allReceived;

    expect(received).toEqual([
      { id: 1, message: { type: "click", id: "root/a" } },
      { id: 1, message: { type: "toggle", id: "root/b", checked: true } },
      { id: 1, message: { type: "plotWidth", id: "root/c", widthPx: 640 } },
    ]);
  });

  it("closes on invalid JSON and keeps serving others", async () => {
    const { server, port } = await startServer();
    const bad = await connect(port);
    const good = await connect(port);
    await bad.nextMessage();
    await good.nextMessage();
    const disconnect = nextEvent(server, "disconnect");

    bad.socket.send("{not json");
    const closed = await bad.closed;

    expect(closed.code).toBe(1008);
    expect(closed.reason).toBe("invalid JSON");
    expect(await disconnect).toEqual({ id: 1 });

    const message = nextEvent(server, "message");
    good.socket.send(JSON.stringify({ type: "click", id: "x" }));
    expect(await message).toEqual({ id: 2, message: { type: "click", id: "x" } });
    expect(server.connectionIds()).toEqual([2]);
  });

  it("closes on JSON without a string type", async () => {
    const { port } = await startServer();
    const client = await connect(port);
    await client.nextMessage();

    client.socket.send(JSON.stringify([{ type: "click" }]));

    expect((await client.closed).code).toBe(1008);
  });

  it("closes on an oversized message with 1009", async () => {
    const { server, port } = await startServer();
    const client = await connect(port);
    await client.nextMessage();
    const disconnect = nextEvent(server, "disconnect");

    client.socket.send(JSON.stringify({ type: "click", id: "x".repeat(70 * 1024) }));

    expect((await client.closed).code).toBe(1009);
    expect(await disconnect).toEqual({ id: 1 });
  });

  it("survives a message listener that throws", async () => {
    const { server, port } = await startServer();
    server.on("message", () => {
      throw new Error("listener failed");
    });
    const client = await connect(port);
    await client.nextMessage();
    const error = nextEvent(server, "error");

    client.socket.send(JSON.stringify({ type: "click", id: "x" }));

    expect(await error).toMatchObject({ id: 1, error: { message: "listener failed" } });
    expect(server.connectionCount).toBe(1);
  });
});

describe("PanelServer sending", () => {
  it("delivers binary frames intact from a copy", async () => {
    const { server, port } = await startServer();
    const client = await connect(port);
    await client.nextMessage();

    const bytes = new Uint8Array(1000).map((_, index) => index % 251);
    expect(server.sendBinary(1, bytes)).toBe(true);
    bytes.fill(0);
    const received = await client.nextMessage();

    expect(received).toEqual(new Uint8Array(1000).map((_, index) => index % 251));
    expect(server.stats.binaryFramesSent).toBe(1);
  });

  it("broadcasts JSON and binary to every connection", async () => {
    const { server, port } = await startServer();
    const first = await connect(port);
    const second = await connect(port);
    await first.nextMessage();
    await second.nextMessage();

    server.broadcastJson({ type: "frame", seq: 1 });
    server.broadcastBinary(new Uint8Array([1, 2, 3]));
    expect(server.sendJson(2, { type: "frame", seq: 2 })).toBe(true);
    expect(server.sendJson(99, { type: "frame", seq: 3 })).toBe(false);

    expect(await first.nextMessage()).toEqual({ type: "frame", seq: 1 });
    expect(await first.nextMessage()).toEqual(new Uint8Array([1, 2, 3]));
    expect(await second.nextMessage()).toEqual({ type: "frame", seq: 1 });
    expect(await second.nextMessage()).toEqual(new Uint8Array([1, 2, 3]));
    expect(await second.nextMessage()).toEqual({ type: "frame", seq: 2 });
  });

  it("skips binary frames while a connection is backed up", async () => {
    const { server, port } = await startServer({ maxBufferedBytes: 1024 });
    const client = await connect(port);
    await client.nextMessage();

    // More than loopback socket buffers take at once, so most of it stays queued in the server.
    const large = new Uint8Array(32 * 1024 * 1024);
    expect(server.sendBinary(1, large)).toBe(true);
    expect(server.sendBinary(1, new Uint8Array([7]))).toBe(false);

    expect(server.stats).toEqual({ binaryFramesSent: 1, binaryFramesSkipped: 1 });
    const received = (await client.nextMessage()) as Uint8Array;
    expect(received.byteLength).toBe(large.byteLength);
  });
});

describe("PanelServer lifecycle", () => {
  it("takes the next port when the port is in use", async () => {
    const blocker = createNetServer();
    blockers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const takenPort = (blocker.address() as { port: number }).port;

    const { port, url } = await startServer({ port: takenPort });

    expect(port).toBeGreaterThan(takenPort);
    expect(port).toBeLessThanOrEqual(takenPort + 20);
    expect(url).toBe(`http://127.0.0.1:${port}/?token=${TOKEN}`);
    expect((await sendRequest(port, "/")).status).toBe(200);
  });

  it("throws for a remote host without allowRemote", () => {
    expect(() => new PanelServer({ host: "0.0.0.0", webRoot, appName: "x" })).toThrow(
      /allowRemote/,
    );
    expect(() => new PanelServer({ host: "192.168.1.10", webRoot, appName: "x" })).toThrow(
      RangeError,
    );
  });

  it("warns when the panel is reachable from the network", async () => {
    const { warnings, url, port } = await startServer({ host: "0.0.0.0", allowRemote: true });

    expect(warnings.some((warning) => warning.includes("reachable from the network"))).toBe(true);
    expect(url).toBe(`http://127.0.0.1:${port}/?token=${TOKEN}`);
  });

  it("rejects bad options", () => {
    expect(() => new PanelServer({ port: 70000, webRoot, appName: "x" })).toThrow(RangeError);
    expect(() => new PanelServer({ token: "short", webRoot, appName: "x" })).toThrow(RangeError);
  });

  it("rejects start when webRoot is missing", async () => {
    const server = new PanelServer({ port: 0, webRoot: join(workFolder, "none"), appName: "x" });
    servers.push(server);

    await expect(server.start()).rejects.toThrow(/webRoot/);
  });

  it("stop closes connections and the listener", async () => {
    const { server, port } = await startServer();
    const client = await connect(port);
    await client.nextMessage();
    const disconnect = nextEvent(server, "disconnect");

    await server.stop();

    expect((await client.closed).code).toBe(1001);
    expect(await disconnect).toEqual({ id: 1 });
    expect(server.connectionCount).toBe(0);
    await expect(sendRequest(port, "/")).rejects.toThrow(/ECONNREFUSED/);
    await server.stop();
  });
});

describe("PanelServer limits", () => {
  it("refuses connections beyond MAX_CONNECTIONS with 503", async () => {
    const { MAX_CONNECTIONS } = await import("../src/ui/server.js");
    const { port, server } = await startServer();
    const open: TestClient[] = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) {
      open.push(await connect(port));
    }
    expect(server.connectionCount).toBe(MAX_CONNECTIONS);
    await expect(connect(port)).rejects.toThrow("HTTP 503");
    open[0]?.socket.close();
    await open[0]?.closed;
    await expect.poll(() => server.connectionCount, { timeout: EVENT_TIMEOUT_MS }).toBe(MAX_CONNECTIONS - 1);
    await connect(port);
  });
});
