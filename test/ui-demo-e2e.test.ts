import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER_SKIP_REASON, launchChromium } from "./support/browser.js";
import { BIN_PATH } from "./support/cli.js";

const SCREENSHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const WAIT_MS = 20_000;

describe.skipIf(BROWSER_SKIP_REASON !== undefined)("myogestic demo --ui as an operator uses it", () => {
  let work: string;
  let child: ChildProcess;
  let exited: Promise<number | string>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "myogestic-ui-demo-"));
    child = spawn(process.execPath, [BIN_PATH, "demo", "--ui", "--out", join(work, "sessions"), "--port", "19350", "--trial-s", "0.6", "--repetitions", "1"], {
      cwd: work,
      stdio: ["ignore", "pipe", "pipe"],
    });
    exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
    const url = await new Promise<string>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => reject(new Error(`no panel address within ${WAIT_MS} ms: ${output}`)), WAIT_MS);
      child.stdout?.setEncoding("utf8").on("data", (text: string) => {
        output += text;
        const match = /Panel: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(output);
        if (match !== null) {
          clearTimeout(timer);
          resolve(match[1] as string);
        }
      });
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(url);
    await page.getByText("Recording", { exact: true }).waitFor({ timeout: WAIT_MS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    child?.kill("SIGTERM");
    await exited;
    await rm(work, { recursive: true, force: true });
  });

  const button = (name: string) => page.getByRole("button", { name, exact: true });
  const statusIs = async (pattern: RegExp) => {
    try {
      await page.getByText(pattern).first().waitFor({ timeout: WAIT_MS });
    } catch (error) {
      const status = await page.locator("[data-id='root/status line/status']").innerText().catch(() => "(no status)");
      throw new Error(`waiting for ${pattern}, the status line reads: ${status}`, { cause: error });
    }
  };

  it("shows the reason of every disabled button on hover", async () => {
    for (const reason of ["Not recording", "No model: train or load one first", "No model to save: train or load one first"]) {
      await expect.poll(() => page.locator(`[title="${reason}"]`).count(), { timeout: WAIT_MS }).toBeGreaterThan(0);
    }
  });

  it("records two classes, trains, predicts the cued class, saves and loads the model", { timeout: 120_000 }, async () => {
    const recordedFor = (seconds: number) =>
      expect
        .poll(async () => Number(/Recording for (\d+\.\d) s/.exec((await page.locator("body").innerText()) ?? "")?.[1] ?? 0), {
          timeout: WAIT_MS,
        })
        .toBeGreaterThanOrEqual(seconds);
    await button("Rest").click();
    await button("Record").click();
    await statusIs(/Recording to /);
    await recordedFor(1.5);
    await button("Fist").click();
    await recordedFor(3);
    await button("Rest").click();
    await recordedFor(4);
    await button("Fist").click();
    await recordedFor(5);
    await page.getByRole("button", { name: "Stop", exact: true }).first().click();
    await statusIs(/Saved .*\.session\.zip/);
    expect((await readdir(join(work, "sessions"))).filter((name) => name.endsWith(".session.zip"))).toHaveLength(1);

    const sessions = page.locator("[data-id^='root/grid/Sessions/session ']");
    await expect.poll(async () => (await sessions.allInnerTexts()).map((text) => text.trim()), { timeout: WAIT_MS }).toEqual([
      expect.stringMatching(/^myogestic-demo_\d{8}-\d{6}\.session\.zip$/),
    ]);
    await page.getByLabel("Open", { exact: true }).uncheck();
    await page.getByLabel("Pinch", { exact: true }).uncheck();
    await button("Train").click();
    await statusIs(/^Training complete$/);
    await page.getByText(/Held-out accuracy/).first().waitFor({ timeout: WAIT_MS });
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, "demo-trained.png"), fullPage: true });

    const prediction = page.locator("[data-id='root/grid/Person/Prediction/prediction']");
    const cue = page.locator("[data-id='root/grid/Person/Cue/cue']");
    await button("Predict").click();
    await button("Fist").click();
    await expect.poll(() => cue.innerText(), { timeout: WAIT_MS }).toMatch(/Fist/);
    await expect.poll(() => prediction.innerText(), { timeout: WAIT_MS }).toMatch(/^\s*Fist/);
    await button("Rest").click();
    await expect.poll(() => prediction.innerText(), { timeout: WAIT_MS }).toMatch(/^\s*Rest/);
    await button("Fist").click();
    await expect.poll(() => prediction.innerText(), { timeout: WAIT_MS }).toMatch(/^\s*Fist/);
    await page.screenshot({ path: join(SCREENSHOTS, "demo-predicting.png"), fullPage: true });
    await page.getByRole("button", { name: "Stop", exact: true }).last().click();
    await statusIs(/Stopped predicting/);

    await button("Save model").click();
    await statusIs(/Model saved to /);
    await button("Load model").click();
    await statusIs(/Model loaded from /);
  });

  it("records a scripted protocol with a countdown for the person", { timeout: 60_000 }, async () => {
    const before = (await readdir(join(work, "sessions"))).filter((name) => name.endsWith(".session.zip")).length;
    await button("Record protocol (4 trials)").click();
    const cue = page.locator("[data-id='root/grid/Person/Cue/cue']");
    await expect.poll(() => cue.innerText(), { timeout: WAIT_MS }).toMatch(/Next/i);
    await statusIs(/Saved .*\.session\.zip/);
    await expect
      .poll(async () => (await readdir(join(work, "sessions"))).filter((name) => name.endsWith(".session.zip")).length, { timeout: WAIT_MS })
      .toBe(before + 1);
  });
});
