/**
 * The outlet side of the LSL benchmark, run as its own process: publishes a 64-channel float32
 * stream on loopback and, once an inlet connects, pushes either as fast as the inlet takes the
 * samples (`throughput`) or 20-sample chunks every 10 ms stamped with the push time (`latency`).
 */
import { localClockS } from "../src/core/clock.js";
import { LslOutlet } from "../src/lsl/outlet.js";
import { loopbackConfig } from "../test/support/lsl.js";

const [mode = "throughput", basePortText = "18300", durationText = "5"] = process.argv.slice(2);
const durationS = Number(durationText);
const CHANNELS = 64;
/** Samples the outlet may have queued before the throughput pusher waits for the inlet. */
const MAX_QUEUED = 4096;

const outlet = await LslOutlet.open(
  { name: "BenchEMG", type: "EMG", channelCount: CHANNELS, nominalSrateHz: 2000, sourceId: "bench" },
  { config: loopbackConfig(Number(basePortText)) },
);
process.stdout.write("ready\n");
await new Promise<void>((resolve) => outlet.on("connected", () => resolve()));

const chunkSamples = mode === "latency" ? 20 : 64;
const chunk = new Float32Array(chunkSamples * CHANNELS).map((_, index) => Math.sin(index));
const endS = localClockS() + durationS;
let pushed = 0;
if (mode === "latency") {
  await new Promise<void>((resolve) => {
    const tick = () => {
      if (localClockS() >= endS) {
        resolve();
        return;
      }
      outlet.pushChunk(chunk, { timestampS: localClockS() });
      pushed += chunkSamples;
      setTimeout(tick, 10);
    };
    tick();
  });
} else {
  while (localClockS() < endS) {
    while (outlet.queuedSamples < MAX_QUEUED) {
      outlet.pushChunk(chunk, { timestampS: localClockS() });
      pushed += chunkSamples;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}
process.stdout.write(`pushed ${pushed} dropped ${outlet.droppedSamples}\n`);
await outlet.close();
process.exit(0);
