import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { App, Pipeline, SyntheticEmgSource, TrainingData, type Ui } from "./support/panel-app.js";
import { BROWSER_SKIP_REASON, launchChromium } from "./support/browser.js";
import { pipelinePanel } from "../src/ui/widgets/ml.js";
import { statusLine } from "../src/ui/default-panel.js";

const SCREENSHOT = fileURLToPath(new URL("../docs/screenshots/panel-pipeline.png", import.meta.url));
const WAIT_MS = 15_000;

describe.skipIf(BROWSER_SKIP_REASON !== undefined)("panel in a browser", () => {
  let app: App;
  let pipeline: Pipeline;
  let running: Promise<void>;
  let url = "";
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    app = new App({ name: "Panel test", classNames: ["Rest", "Fist"] });
    const emg = app.addStream({ name: "emg", source: new SyntheticEmgSource({ channels: 4, sampleRateHz: 1000, restClasses: [0] }) });
    pipeline = new Pipeline(app, { predictHz: 20 });
    pipeline.train(() => ({ trained: true }));
    pipeline.trainingData = new TrainingData({ paths: ["unused"], classNames: ["Rest", "Fist"] });
    pipeline.extract((windows) => windows.emg?.nSamples ?? 0);
    pipeline.predict((_model, features) => ({ samples: features }));
    app.ui((ui: Ui) => {
      statusLine(ui, app);
      ui.grid(2, () => {
        ui.panel("Signals", () => ui.plot(emg, { spanMs: 2000 }));
        pipelinePanel(ui, pipeline);
      });
      ui.text(`predictions: ${JSON.stringify(pipeline.predictions)}`, { id: "predictions" });
    });
    const lines: string[] = [];
    running = app.run({ panel: { port: 18_765 }, handleSignals: false, print: (line) => lines.push(line) });
    const deadline = Date.now() + WAIT_MS;
    while (app.panelUrl === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    url = app.panelUrl ?? "";
    expect(lines.some((line) => line.startsWith("Panel: http://127.0.0.1:") && line.includes("?token="))).toBe(true);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    await page.goto(url);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await running;
  });

  it("shows the pipeline panel with Predict disabled and its reason on hover", async () => {
    const predict = page.getByText("Predict", { exact: true });
    await predict.waitFor({ timeout: WAIT_MS });
    await expect.poll(() => page.locator("[title='No model: train or load one first']").count(), { timeout: WAIT_MS }).toBeGreaterThan(0);
  });

  it("trains on click, then predicts live and shows the predictions", async () => {
    await page.getByText("Train", { exact: true }).click();
    await expect.poll(() => pipeline.model, { timeout: WAIT_MS }).toEqual({ trained: true });
    await expect.poll(() => page.locator("[title='No model: train or load one first']").count(), { timeout: WAIT_MS }).toBe(0);
    await page.getByText("Predict", { exact: true }).click();
    await expect.poll(() => app.ctx.state, { timeout: WAIT_MS }).toBe("predicting");
    await page.getByText(/predictions: \{"samples":\d+\}/).waitFor({ timeout: WAIT_MS });
    await page.getByText("Stop", { exact: true }).click();
    await expect.poll(() => app.ctx.state, { timeout: WAIT_MS }).toBe("idle");
    await mkdir(fileURLToPath(new URL("../docs/screenshots/", import.meta.url)), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  });

  it("shows one app to two browsers that both drive it", async () => {
    const second = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    try {
      await second.goto(url);
      await second.getByText("Pipeline", { exact: true }).waitFor({ timeout: WAIT_MS });
      await second.getByText("Predict", { exact: true }).click();
      await expect.poll(() => app.ctx.state, { timeout: WAIT_MS }).toBe("predicting");
      await page.getByText("Stop", { exact: true }).waitFor({ timeout: WAIT_MS });
      await page.getByText("Stop", { exact: true }).click();
      await expect.poll(() => app.ctx.state, { timeout: WAIT_MS }).toBe("idle");
      await second.getByText("Predict", { exact: true }).waitFor({ timeout: WAIT_MS });
      await expect.poll(() => second.locator("[data-id='root/status line/state']").innerText(), { timeout: WAIT_MS }).toMatch(/idle/);
    } finally {
      await second.close();
    }
  });

  it("refuses a connection with a wrong token or another Origin", async () => {
    const parsed = new URL(url);
    const wsUrl = (token: string) => `ws://127.0.0.1:${parsed.port}/ws?token=${token}`;
    const outcome = (address: string, origin: string) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(address, { origin });
        socket.on("open", () => {
          socket.close();
          resolve("open");
        });
        socket.on("unexpected-response", (_request, response) => resolve(String(response.statusCode)));
        socket.on("error", () => resolve("error"));
      });
    const good = parsed.searchParams.get("token") ?? "";
    const origin = `http://127.0.0.1:${parsed.port}`;
    expect(await outcome(wsUrl(good), origin)).toBe("open");
    expect(await outcome(wsUrl("wrong-token-0000000000"), origin)).toBe("403");
    expect(await outcome(wsUrl(good), "http://evil.example")).toBe("403");
  });
});
