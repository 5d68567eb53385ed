import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket } from "ws";
import { describe, expect, it } from "vitest";
import { App } from "../src/index.js";
import { LslOutlet } from "../src/lsl/outlet.js";
import { LslSource } from "../src/lsl/source.js";
import { Pipeline } from "../src/ml/pipeline.js";
import { TrainingData } from "../src/session/training-data.js";
import { SyntheticEmgSource } from "../src/sources/synthetic.js";
import { loopbackConfig, waitUntil } from "./support/lsl.js";

/** Active handles and requests by type, as Node reports them, and open file descriptors. */
function resources(): { byType: Record<string, number>; fds: number } {
  const byType: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) byType[type] = (byType[type] ?? 0) + 1;
  return { byType, fds: existsSync("/proc/self/fd") ? readdirSync("/proc/self/fd").length : 0 };
}

describe("after close", () => {
  it("leaves no resources behind", async () => {
    const folder = await mkdtemp(join(tmpdir(), "myogestic-resources-"));
    await new Promise((resolve) => setTimeout(resolve, 0));
    const baseline = resources();

    const config = loopbackConfig(17_350);
    const outlet = await LslOutlet.open({ name: "Leaks", channelCount: 2, nominalSrateHz: 200, sourceId: "leaks" }, { config });
    const pushing = setInterval(() => outlet.pushChunk(new Float32Array(2 * 4)), 20);
    const app = new App({ name: "Everything", classNames: ["Rest", "Fist"] });
    app.addStream({ name: "emg", source: new SyntheticEmgSource({ channels: 4, sampleRateHz: 500, restClasses: [0] }), windowMs: 100 });
    const lsl = app.addStream({ name: "lsl", source: new LslSource({ name: "Leaks", config }) });
    const pipeline = new Pipeline(app, { predictHz: 50 });
    pipeline.train({ module: new URL("./fixtures/train-lda.ts", import.meta.url) });
    pipeline.extract(() => [0, 0]);
    pipeline.predict(() => ({}));
    let url: string | undefined;
    const running = app.run({ panel: { port: 19_800 }, handleSignals: false, print: (line) => (url ??= /http:\/\/\S+/.exec(line)?.[0]) });
    await app.start();
    await waitUntil(() => url !== undefined && lsl.status.state === "running", "the panel and the LSL stream");
    const page = new URL(url ?? "");
    const socket = new WebSocket(`ws://${page.host}/ws${page.search}`, { origin: page.origin });
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));

    app.ctx.cue = 1;
    expect((await app.startRecording({ folder })).ok).toBe(true);
    await waitUntil(() => lsl.stats.samplesAccepted > 10, "LSL samples");
    const saved = await app.stopRecording();
    if (!saved.ok) throw new Error(saved.reason);
    pipeline.trainingData = new TrainingData({ paths: [saved.archivePath], classNames: ["Rest", "Fist"] });
    expect(pipeline.startTraining().ok).toBe(true);
    await pipeline.whenTrainingDone();
    expect(pipeline.startPredicting().ok).toBe(true);
    await waitUntil(() => pipeline.loopStats.ticks > 5, "a few predictions");

    socket.close();
    await new Promise((resolve) => socket.once("close", resolve));
    await app.stop();
    await running;
    clearInterval(pushing);
    await outlet.close();
    await rm(folder, { recursive: true, force: true });

    // Sockets finish closing a turn or two after their close calls return.
    const extra = () => {
      const now = resources();
      const types = Object.entries(now.byType).filter(([type, count]) => count > (baseline.byType[type] ?? 0));
      return { types: Object.fromEntries(types), fds: Math.max(0, now.fds - baseline.fds) };
    };
    await waitUntil(() => JSON.stringify(extra()) === JSON.stringify({ types: {}, fds: 0 }), "resources back to the baseline", 5000).catch(() => undefined);
    expect(extra()).toEqual({ types: {}, fds: 0 });
  }, 60_000);
});
