import { existsSync } from "node:fs";
import { App } from "../src/index.js";
import { SyntheticEmgSource } from "../src/sources/synthetic.js";
import { signalViewer } from "../src/ui/widgets/app-widgets.js";
import { launchChromium, CHROMIUM_PATH } from "../test/support/browser.js";
import type { BenchFigure } from "./figure.js";

/** The page's counters of drawn plot frames, read inside the browser. */
declare const window: { myogesticPlotFrames?: number; myogesticPlotFrameMs?: number };

/**
 * Measures the frames a second the signal viewer reaches in headless Chromium for a 64-channel
 * 2 kHz synthetic stream: plot redraws counted in the page over `durationS` seconds.
 */
export async function benchPanelFps(durationS: number): Promise<BenchFigure | undefined> {
  if (!existsSync(CHROMIUM_PATH)) {
    process.stderr.write(`skipping the panel figure: ${CHROMIUM_PATH} is missing\n`);
    return undefined;
  }
  const app = new App({ name: "bench panel" });
  const emg = app.addStream({ name: "emg", source: new SyntheticEmgSource({ channels: Number(process.env.BENCH_CHANNELS ?? 64), sampleRateHz: 2000 }) });
  app.ui((ui) => signalViewer(ui, emg, { spanMs: 5000 }));
  const running = app.run({ panel: { port: 19_500 }, handleSignals: false, print: () => undefined });
  const deadline = Date.now() + 15_000;
  while (app.panelUrl === undefined && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1900 } });
    await page.goto(app.panelUrl ?? "");
    await page.waitForFunction(() => (window.myogesticPlotFrames ?? 0) > 10, undefined, { timeout: 15_000 });
    // Frames are counted between two drawn frames, so the window spans whole frame intervals.
    const read = () => page.evaluate(() => [window.myogesticPlotFrames ?? 0, window.myogesticPlotFrameMs ?? 0] as const);
    const start = await read();
    await new Promise((resolve) => setTimeout(resolve, durationS * 1000));
    const end = await read();
    const fps = (end[0] - start[0]) / ((end[1] - start[1]) / 1000);
    return {
      name: "panel_signal_viewer_fps",
      description: "signal viewer of 64 channels at 2 kHz in headless Chromium: plot frames drawn a second",
      value: fps,
      unit: "frames/s",
      target: 30,
      comparison: ">=",
      met: fps >= 30,
      details: { plotHz: 60, durationS: (end[1] - start[1]) / 1000, frames: end[0] - start[0] },
    };
  } finally {
    await browser.close();
    await app.stop();
    await running;
  }
}
