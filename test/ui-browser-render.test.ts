import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";

const CHROMIUM_PATH = "/usr/bin/chromium";
const SKIP_REASON = existsSync(CHROMIUM_PATH)
  ? undefined
  : "Debian chromium is not installed at /usr/bin/chromium; .ci/run installs it";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const webDist = join(repoRoot, "dist", "web");
const screenshotPath = join(repoRoot, "docs", "screenshots", "renderer-test.png");
const TOKEN = "test-token-5f2c";
const WAIT_MS = 10_000;

const CONTENT_TYPES: Record<string, string> = {
  "/index.html": "text/html; charset=utf-8",
  "/app.js": "text/javascript; charset=utf-8",
  "/style.css": "text/css; charset=utf-8",
};

interface ClientMessage {
  type: string;
  id: string;
  [key: string]: unknown;
}

const LOG_LINES = Array.from(
  { length: 50 },
  (_, i) => `[00:${String(i).padStart(2, "0")}] line ${i + 1}`,
);

const FIRST_FRAME = {
  type: "frame",
  seq: 1,
  root: "root",
  remove: [],
  set: [
    node("root", "root", {}, ["root/Controls", "root/Signals", "root/Results"]),
    node("root/Controls", "panel", { title: "Controls" }, ["root/Controls/row"]),
    node("root/Controls/row", "row", {}, [
      "root/Controls/Record",
      "root/Controls/Train",
      "root/Controls/Status",
      "root/Controls/State",
    ]),
    node("root/Controls/Record", "button", { label: "Record", disabled: false, active: false }),
    node("root/Controls/Train", "button", {
      label: "Train",
      disabled: true,
      reason: "Record at least one trial first",
    }),
    node("root/Controls/Status", "text", { text: "Idle", tone: "muted" }),
    node("root/Controls/State", "pill", { text: "idle", color: "#1e7d3a" }),
    node("root/Signals", "panel", { title: "Signals" }, ["root/Signals/EMG"]),
    node("root/Signals/EMG", "plot", { nChannels: 4, heightPx: 240, spanMs: 5000, label: "EMG" }),
    node("root/Results", "panel", { title: "Results" }, [
      "root/Results/Log",
      "root/Results/Matrix",
    ]),
    node("root/Results/Log", "log", { lines: LOG_LINES, follow: true }),
    node("root/Results/Matrix", "matrix", {
      title: "Confusion",
      rowLabels: ["rest", "fist"],
      columnLabels: ["rest", "fist"],
      cells: [
        [18, 2],
        [3, 17],
      ],
    }),
  ],
};

const SECOND_FRAME = {
  type: "frame",
  seq: 2,
  root: "root",
  remove: [],
  set: [node("root/Controls/Status", "text", { text: "Recording", tone: "ok" })],
};

function node(
  id: string,
  type: string,
  props: Record<string, unknown>,
  children: string[] = [],
): { id: string; type: string; props: Record<string, unknown>; children: string[] } {
  return { id, type, props, children };
}

/** Encodes an envelope frame as the panel protocol lays it out, padding after the id included. */
function encodeEnvelope(plotId: string, nChannels: number, widthPx: number): Buffer {
  const id = Buffer.from(plotId, "utf8");
  const headerStart = Math.ceil((3 + id.length) / 4) * 4;
  const valuesStart = headerStart + 24;
  const count = nChannels * widthPx;
  const buffer = Buffer.alloc(valuesStart + 8 * count);
  buffer.writeUInt8(1, 0);
  buffer.writeUInt16LE(id.length, 1);
  id.copy(buffer, 3);
  buffer.writeUInt32LE(nChannels, headerStart);
  buffer.writeUInt32LE(widthPx, headerStart + 4);
  buffer.writeDoubleLE(10, headerStart + 8);
  buffer.writeDoubleLE(15, headerStart + 16);
  for (let channel = 0; channel < nChannels; channel++) {
    for (let column = 0; column < widthPx; column++) {
      const i = channel * widthPx + column;
      // The first columns have no samples yet, as at the start of a stream.
      const centre = Math.sin(column / (8 + channel * 3)) * (channel + 1);
      const spread = 0.2 + 0.3 * Math.abs(Math.sin(column / 40));
      const min = column < 5 ? NaN : centre - spread;
      const max = column < 5 ? NaN : centre + spread;
      buffer.writeFloatLE(min, valuesStart + 4 * i);
      buffer.writeFloatLE(max, valuesStart + 4 * (count + i));
    }
  }
  return buffer;
}

describe.skipIf(SKIP_REASON !== undefined)(SKIP_REASON ?? "panel renderer in Chromium", () => {
  let server: Server;
  let sockets: WebSocketServer;
  let socket: WebSocket | undefined;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  const received: ClientMessage[] = [];
  const listeners = new Set<() => void>();

  /** Resolves with the first message (seen or still to come) that matches `predicate`. */
  function waitForMessage(predicate: (message: ClientMessage) => boolean): Promise<ClientMessage> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = received.find(predicate);
        if (found === undefined) return false;
        listeners.delete(listener);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const listener = (): void => void check();
      const timer = setTimeout(() => {
        listeners.delete(listener);
        const seen = JSON.stringify(received);
        reject(new Error(`no matching message within ${WAIT_MS} ms; received ${seen}`));
      }, WAIT_MS);
      listeners.add(listener);
      check();
    });
  }

  function openSocket(): WebSocket {
    if (socket === undefined) throw new Error("the page has not connected its WebSocket");
    return socket;
  }

  beforeAll(async () => {
    execFileSync(process.execPath, [join(repoRoot, "web", "build.mjs")], { stdio: "pipe" });

    server = createServer((request, response) => {
      const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
      const file = path === "/" ? "/index.html" : path;
      const contentType = CONTENT_TYPES[file];
      if (contentType === undefined) {
        response.writeHead(404).end();
        return;
      }
      readFile(join(webDist, file)).then(
        (body) => response.writeHead(200, { "content-type": contentType }).end(body),
        () => response.writeHead(500).end(),
      );
    });
    sockets = new WebSocketServer({ noServer: true });
    server.on("upgrade", (request, stream, head) => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      const origin = request.headers.origin;
      if (url.pathname !== "/ws" || url.searchParams.get("token") !== TOKEN || origin !== baseUrl) {
        stream.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n");
        return;
      }
      sockets.handleUpgrade(request, stream, head, (ws) => {
        socket = ws;
        ws.on("message", (data, isBinary) => {
          if (isBinary) return;
          received.push(JSON.parse(String(data)) as ClientMessage);
          for (const listener of [...listeners]) listener();
        });
        ws.send(JSON.stringify({ type: "hello", protocol: 1, appName: "Gestures lab" }));
        ws.send(JSON.stringify(FIRST_FRAME));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(`${baseUrl}/?token=${TOKEN}`);
  });

  afterAll(async () => {
    await browser?.close();
    sockets?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it("renders every node of the first frame", async () => {
    await page.waitForSelector('[data-id="root/Results/Matrix"]', { timeout: WAIT_MS });

    expect(await page.textContent("#app-name")).toBe("Gestures lab");
    expect(await page.getAttribute("#connection-status", "data-state")).toBe("open");
    expect(await page.textContent('[data-id="root/Controls"] .panel-title')).toBe("Controls");
    expect(await page.textContent('[data-id="root/Controls/Record"] button')).toBe("Record");
    expect(await page.textContent('[data-id="root/Controls/Status"]')).toBe("Idle");
    expect(await page.textContent('[data-id="root/Controls/State"]')).toBe("idle");
    expect(await page.locator('[data-id="root/Signals/EMG"] canvas').count()).toBe(1);
    expect(await page.locator('[data-id="root/Results/Matrix"] tbody td').count()).toBe(4);
    const logText = await page.textContent('[data-id="root/Results/Log"]');
    expect(logText?.split("\n")).toHaveLength(50);
  });

  it("sends a click message with the button's id", async () => {
    await page.click('[data-id="root/Controls/Record"] button', { timeout: WAIT_MS });

    const click = await waitForMessage((m) => m.type === "click");
    expect(click).toEqual({ type: "click", id: "root/Controls/Record" });
  });

  it("shows a disabled button's reason on hover", async () => {
    const train = '[data-id="root/Controls/Train"]';
    expect(await page.isDisabled(`${train} button`)).toBe(true);
    expect(await page.getAttribute(train, "title")).toBe("Record at least one trial first");
    expect(await page.isVisible(`${train} .reason`)).toBe(false);

    await page.hover(train, { timeout: WAIT_MS });

    await page.waitForSelector(`${train} .reason`, { state: "visible", timeout: WAIT_MS });
    expect(await page.textContent(`${train} .reason`)).toBe("Record at least one trial first");
  });

  it("draws the plot envelope on its canvas", async () => {
    const widthMessage = await waitForMessage(
      (m) => m.type === "plotWidth" && m.id === "root/Signals/EMG",
    );
    const widthPx = widthMessage.widthPx as number;
    expect(widthPx).toBeGreaterThan(100);

    openSocket().send(encodeEnvelope("root/Signals/EMG", 4, widthPx));

    // Counts coloured pixels right of the channel labels, leaving out the grey separators.
    await page.waitForFunction(
      `(() => {
        const canvas = document.querySelector('[data-id="root/Signals/EMG"] canvas');
        const context = canvas.getContext("2d");
        const { data, width } = context.getImageData(0, 0, canvas.width, canvas.height);
        let coloured = 0;
        for (let i = 0; i < data.length; i += 4) {
          const x = (i / 4) % width;
          if (x < 60 || data[i + 3] === 0) continue;
          if (data[i] === 227 && data[i + 1] === 230 && data[i + 2] === 234) continue;
          coloured++;
        }
        return coloured > 2000;
      })()`,
      undefined,
      { timeout: WAIT_MS },
    );
  });

  it("keeps the log scrolled to its last line", async () => {
    const log = `document.querySelector('[data-id="root/Results/Log"]')`;
    await page.waitForFunction(
      `(() => { const el = ${log}; return el.scrollHeight > el.clientHeight &&
        el.scrollHeight - el.scrollTop - el.clientHeight <= 4; })()`,
      undefined,
      { timeout: WAIT_MS },
    );

    await page.evaluate(`${log}.scrollTop = 0`);
    const stop = await waitForMessage((m) => m.type === "follow" && m.follow === false);
    expect(stop).toEqual({ type: "follow", id: "root/Results/Log", follow: false });

    await page.evaluate(`(() => { const el = ${log}; el.scrollTop = el.scrollHeight; })()`);
    const resume = await waitForMessage((m) => m.type === "follow" && m.follow === true);
    expect(resume).toEqual({ type: "follow", id: "root/Results/Log", follow: true });
  });

  it("updates only the node a later frame changes", async () => {
    await page.evaluate(`(() => {
      for (const el of document.querySelectorAll("[data-id]")) el.dataset.testTag = "first-frame";
      window.statusBefore = document.querySelector('[data-id="root/Controls/Status"]');
      window.recordBefore = document.querySelector('[data-id="root/Controls/Record"]');
      window.mutationTargets = [];
      new MutationObserver((records) => {
        for (const record of records) window.mutationTargets.push(record.target);
      }).observe(document.getElementById("app"), {
        subtree: true, childList: true, attributes: true, characterData: true,
      });
    })()`);

    openSocket().send(JSON.stringify(SECOND_FRAME));

    await page.waitForFunction(
      `document.querySelector('[data-id="root/Controls/Status"]').textContent === "Recording"`,
      undefined,
      { timeout: WAIT_MS },
    );
    const status = '[data-id="root/Controls/Status"]';
    expect(await page.getAttribute(status, "class")).toContain("tone-ok");
    expect(
      await page.evaluate(`window.statusBefore === document.querySelector('${status}')`),
    ).toBe(true);
    expect(
      await page.evaluate(
        `window.recordBefore === document.querySelector('[data-id="root/Controls/Record"]')`,
      ),
    ).toBe(true);
    const untagged = await page.evaluate(
      `[...document.querySelectorAll("[data-id]")]
        .filter((el) => el.dataset.testTag !== "first-frame").length`,
    );
    expect(untagged).toBe(0);
    const outside = await page.evaluate(
      `window.mutationTargets.filter((target) => !window.statusBefore.contains(target)).length`,
    );
    expect(outside).toBe(0);

    await page.hover('[data-id="root/Controls/Train"]');
    await mkdir(dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });
  });
});
