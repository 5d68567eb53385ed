import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { App } from "../src/app/app.js";
import { SimulatedClock } from "../src/core/clock.js";
import { startPanel } from "../src/ui/panel.js";
import type { Ui } from "../src/ui/ui.js";
import { ManualSource, rampSamples } from "./support/manual-source.js";

const WAIT_MS = 5000;

function waitFor(condition: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (condition()) {
        resolve();
      } else if (Date.now() - started > WAIT_MS) {
        reject(new Error(`timed out waiting for ${what}`));
      } else {
        setImmediate(check);
      }
    };
    check();
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

/** Serves the panel of an app on a simulated clock, with one 4-channel stream of a second of data. */
async function servePanel(rates: { frameHz: number; plotHz: number }) {
  const clock = new SimulatedClock();
  const app = new App({ name: "rates", clock });
  const source = new ManualSource({ nChannels: 4, sampleRateHz: 100 });
  const stream = app.addStream({ name: "emg", source });
  await app.start();
  source.push({ nChannels: 4, samples: rampSamples(100, 4) });
  const draw = (ui: Ui) => {
    ui.text("hello", { id: "greeting" });
    ui.plot(stream, { id: "plot", spanMs: 1000 });
  };
  const panel = await startPanel(app, draw, { port: 0, ...rates });
  cleanups.push(async () => {
    await panel.stop();
    await app.stop();
  });
  const url = new URL(panel.url);
  const socket = new WebSocket(`ws://${url.host}/ws${url.search}`, { origin: url.origin });
  // Every message in arrival order: "frame", "hello" or "envelope".
  const received: string[] = [];
  socket.on("message", (data, isBinary) => {
    received.push(isBinary ? "envelope" : String((JSON.parse((data as Buffer).toString("utf8")) as { type: string }).type));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  cleanups.push(async () => {
    socket.close();
    await new Promise((resolve) => socket.once("close", resolve));
  });
  return { clock, received };
}

const count = (received: readonly string[], kind: string) => received.filter((entry) => entry === kind).length;

describe("panel rates", () => {
  it("sends envelopes at plotHz after the first frame", async () => {
    const { clock, received } = await servePanel({ frameHz: 10, plotHz: 40 });
    await waitFor(() => received.includes("hello"), "the hello message");
    // Ticks fall due every 100 ms and every 25 ms from the start. Steps of 10 ms end between ticks.
    await clock.advanceAsyncMs(1110, 10);
    await waitFor(() => count(received, "envelope") >= 40, "forty envelopes");
    // The tree does not change after the first frame, so no further frame is sent. The page
    // gets no envelope before the frame that contains its plot.
    expect(count(received, "frame")).toBe(1);
    expect(received.indexOf("frame")).toBeLessThan(received.indexOf("envelope"));
    // Envelopes follow from the tick that sent the frame (or the next one) to the last one due.
    expect(count(received, "envelope")).toBeGreaterThanOrEqual(40);
    expect(count(received, "envelope")).toBeLessThanOrEqual(41);
  });
});
