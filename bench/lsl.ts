import { spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { App } from "../src/app/app.js";
import { localClockS } from "../src/core/clock.js";
import { LslSource } from "../src/lsl/source.js";
import { loopbackConfig } from "../test/support/lsl.js";
import type { BenchFigure } from "./figure.js";

const CHILD = fileURLToPath(new URL("./lsl-outlet-child.ts", import.meta.url));
const CHANNELS = 64;
const BASE_PORT = 18_300;

/** Starts the outlet process and resolves once it publishes. */
function startOutlet(mode: "throughput" | "latency", durationS: number) {
  const child = spawn(process.execPath, [...process.execArgv, CHILD, mode, String(BASE_PORT), String(durationS)], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (output += text));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the benchmark outlet did not start: ${output}`)), 30_000);
    child.stdout.on("data", () => {
      if (output.includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const exited = new Promise<string>((resolve) => child.on("exit", () => resolve(output)));
  return { ready, exited };
}

/** Receives the outlet's stream into a ring buffer and calls `onChunk` for each chunk that lands there. */
async function receive(onChunk: (nSamples: number, lastTimestampS: number) => void) {
  const app = new App({ name: "bench lsl" });
  const stream = app.addStream({ name: "emg", source: new LslSource({ name: "BenchEMG", config: loopbackConfig(BASE_PORT) }), bufferMs: 5000 });
  stream.on("chunk", (chunk) => onChunk(chunk.nSamples, chunk.timestamps[chunk.nSamples - 1] ?? Number.NaN));
  await app.start();
  if (stream.status.state !== "running") {
    throw new Error(`the benchmark inlet could not start: ${stream.status.message}`);
  }
  return app;
}

/** Sends the same float32 bytes over a bare loopback TCP socket, as fast as it takes them: the transport's own ceiling. */
async function rawSocketSamplesPerS(durationS: number): Promise<number> {
  const bytesPerSample = 1 + 8 + 4 * CHANNELS;
  const block = Buffer.alloc(64 * bytesPerSample, 7);
  let received = 0;
  const server = createServer((socket) => socket.on("data", (data: Buffer) => (received += data.length)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const socket = connect({ host: "127.0.0.1", port: typeof address === "object" && address !== null ? address.port : 0 });
  await new Promise((resolve) => socket.once("connect", resolve));
  const startS = localClockS();
  while (localClockS() - startS < durationS) {
    while (socket.writableLength < 1024 * 1024) {
      socket.write(block);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const elapsedS = localClockS() - startS;
  socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  return received / bytesPerSample / elapsedS;
}

/**
 * Measures the LSL inlet: samples a second of a 64-channel float32 stream from an outlet in
 * another process on loopback, into a stream's ring buffer; and the latency from push to arrival
 * in the ring at 2 kHz in 20-sample chunks (p50 and p99).
 */
export async function benchLsl(durationS: number): Promise<BenchFigure[]> {
  const rawPerS = await rawSocketSamplesPerS(Math.min(durationS, 3));

  const throughputOutlet = startOutlet("throughput", durationS);
  await throughputOutlet.ready;
  let received = 0;
  let firstS = 0;
  let lastS = 0;
  const throughputApp = await receive((nSamples) => {
    const now = localClockS();
    if (received === 0) firstS = now;
    received += nSamples;
    lastS = now;
  });
  const pushedText = await throughputOutlet.exited;
  await throughputApp.stop();
  const perS = received / (lastS - firstS);

  const latencyOutlet = startOutlet("latency", durationS);
  await latencyOutlet.ready;
  const latenciesMs: number[] = [];
  // Chunks pushed while the inlet measured its first clock offset wait for the stream to start;
  // the figure counts those pushed once it runs.
  let runningSinceS = Number.POSITIVE_INFINITY;
  const latencyApp = await receive((_nSamples, lastTimestampS) => {
    if (lastTimestampS > runningSinceS) latenciesMs.push(1000 * (localClockS() - lastTimestampS));
  });
  runningSinceS = localClockS();
  await latencyOutlet.exited;
  await latencyApp.stop();
  latenciesMs.sort((a, b) => a - b);
  const percentile = (p: number) => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor((p / 100) * latenciesMs.length))] ?? Number.NaN;
  const p50 = percentile(50);
  const p99 = percentile(99);

  return [
    {
      name: "lsl_inlet_samples_per_s",
      description: "64-channel float32 from an outlet in another process on loopback into a stream's ring buffer, protocol 1.10: samples a second",
      value: perS,
      unit: "samples/s",
      target: 100_000,
      comparison: ">=",
      met: perS >= 100_000,
      details: { durationS: lastS - firstS, received, outlet: pushedText.trim(), rawSocketSamplesPerS: Math.round(rawPerS), fractionOfRawSocket: Number((perS / rawPerS).toFixed(3)) },
    },
    {
      name: "lsl_push_to_ring_latency_p99",
      description: "time from an outlet's push (its timestamp) to the chunk's arrival in the inlet's ring buffer, 20-sample chunks every 10 ms, clock sync on",
      value: p99,
      unit: "ms",
      target: 5,
      comparison: "<=",
      met: p99 <= 5,
      details: { p50Ms: Number(p50.toFixed(3)), p99Ms: Number(p99.toFixed(3)), maxMs: Number((latenciesMs.at(-1) ?? Number.NaN).toFixed(3)), chunks: latenciesMs.length },
    },
  ];
}
