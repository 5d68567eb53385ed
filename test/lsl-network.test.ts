import { afterEach, describe, expect, it } from "vitest";
import { resolveStreams } from "../src/lsl/discovery.js";
import type { ChannelFormat } from "../src/lsl/formats.js";
import { connect } from "node:net";
import { fetchFullInfo, formatFeedRequest, LslInlet } from "../src/lsl/inlet.js";
import { LslOutlet } from "../src/lsl/outlet.js";
import type { LslChunk } from "../src/lsl/sample-chunk.js";
import { channelLabels, type LslStreamInfo } from "../src/lsl/stream-info.js";
import { loopbackConfig, waitUntil } from "./support/lsl.js";

const CONFIG = loopbackConfig(17_110);
const opened: { close(): unknown }[] = [];

afterEach(async () => {
  for (const item of opened.splice(0).reverse()) {
    await item.close();
  }
});

async function openOutlet(name: string, options: { format?: ChannelFormat; channels?: number; rateHz?: number; sourceId?: string; latestRateHz?: number; maxBufferedS?: number } = {}) {
  const outlet = await LslOutlet.open(
    {
      name,
      type: "EMG",
      channelCount: options.channels ?? 2,
      channelFormat: options.format ?? "float32",
      nominalSrateHz: options.rateHz ?? 100,
      ...(options.sourceId === undefined ? {} : { sourceId: options.sourceId }),
      channelLabels: Array.from({ length: options.channels ?? 2 }, (_, index) => `ch${index + 1}`),
    },
    { config: CONFIG, ...(options.latestRateHz === undefined ? {} : { latestRateHz: options.latestRateHz }), ...(options.maxBufferedS === undefined ? {} : { maxBufferedS: options.maxBufferedS }) },
  );
  opened.push(outlet);
  return outlet;
}

async function resolveOne(name: string): Promise<LslStreamInfo> {
  const [found] = await resolveStreams({ name, config: CONFIG, timeoutMs: 3000 });
  if (found === undefined) {
    throw new Error(`stream ${name} was not found`);
  }
  return found;
}

/** Opens an inlet and collects what it receives. */
async function collect(info: LslStreamInfo, protocolVersion = 110) {
  const inlet = await LslInlet.open(info, { protocolVersion });
  opened.push(inlet);
  const chunks: LslChunk[] = [];
  inlet.on("chunk", (chunk) => chunks.push(chunk));
  const received = () => chunks.reduce((sum, chunk) => sum + chunk.count, 0);
  return { inlet, chunks, received };
}

function valuesOf(chunks: readonly LslChunk[]): (number | string | bigint)[] {
  const values: (number | string | bigint)[] = [];
  for (const chunk of chunks) {
    const slots = chunk.count * chunk.nChannels;
    if (chunk.strings !== undefined) values.push(...chunk.strings.slice(0, slots));
    else if (chunk.int64Values !== undefined) values.push(...chunk.int64Values.subarray(0, slots));
    else values.push(...chunk.values.subarray(0, slots));
  }
  return values;
}

function timestampsOf(chunks: readonly LslChunk[]): number[] {
  return chunks.flatMap((chunk) => [...chunk.timestamps.subarray(0, chunk.count)]);
}

describe("LSL discovery", () => {
  it("finds an outlet by name, with its address", async () => {
    const outlet = await openOutlet("Finder");
    const info = await resolveOne("Finder");
    expect(info.uid).toBe(outlet.info.uid);
    expect(info.v4address).toBe("127.0.0.1");
    expect(info.v4dataPort).toBe(outlet.info.v4dataPort);
  });

  it("finds two outlets and tells them apart by type", async () => {
    await openOutlet("Twin", { rateHz: 100 });
    const second = await LslOutlet.open({ name: "Twin", type: "Markers", channelCount: 1, channelFormat: "string" }, { config: CONFIG });
    opened.push(second);
    const both = await resolveStreams({ name: "Twin", config: CONFIG, timeoutMs: 600, minimum: Number.POSITIVE_INFINITY });
    expect(both.map((info) => info.type).sort()).toEqual(["EMG", "Markers"]);
    const markers = await resolveStreams({ name: "Twin", type: "Markers", config: CONFIG, timeoutMs: 3000 });
    expect(markers.map((info) => info.uid)).toEqual([second.info.uid]);
  });

  it("returns nothing for a name no outlet has", async () => {
    expect(await resolveStreams({ name: "Nobody", config: CONFIG, timeoutMs: 300 })).toEqual([]);
  });

  it("serves the full info with its channel labels", async () => {
    await openOutlet("Labelled", { channels: 3 });
    const full = await fetchFullInfo(await resolveOne("Labelled"));
    expect(channelLabels(full)).toEqual(["ch1", "ch2", "ch3"]);
  });
});

const FORMATS: { format: ChannelFormat; values: (number | string | bigint)[] }[] = [
  { format: "float32", values: [0.5, -1.25, 3, 1e-3] },
  { format: "double64", values: [Math.PI, -Math.E, 1e300, -0] },
  { format: "int8", values: [-128, 127, 0, -1] },
  { format: "int16", values: [-32768, 32767, 12, -12] },
  { format: "int32", values: [-2147483648, 2147483647, 7, -7] },
  { format: "int64", values: [-(2n ** 63n), 2n ** 63n - 1n, 5n, -5n] },
  { format: "string", values: ["rest", "", "fist ✊", "x".repeat(300)] },
];

describe("LSL stream feed", () => {
  for (const protocolVersion of [110, 100]) {
    for (const { format, values } of FORMATS) {
      it(`carries ${format} in protocol ${protocolVersion}`, async () => {
        const name = `Feed-${format}-${protocolVersion}`;
        const outlet = await openOutlet(name, { format });
        const { inlet, received, chunks } = await collect(await resolveOne(name), protocolVersion);
        expect(inlet.protocolVersion).toBe(protocolVersion);
        await waitUntil(() => outlet.inletCount === 1, "the inlet to connect");
        const expected = format === "float32" ? [...new Float32Array(values as number[])] : values;
        outlet.pushChunk(values as number[], { timestampS: 50 });
        outlet.pushSample((values as number[]).slice(0, 2), 60);
        await waitUntil(() => received() === 3, "three samples");
        expect(valuesOf(chunks)).toEqual([...expected, ...expected.slice(0, 2)]);
        // The chunk's first sample carries its time and the second is deduced from the rate.
        expect(timestampsOf(chunks)).toEqual([49.99, 50, 60]);
      });
    }
  }

  it("falls back to protocol 1.00", async () => {
    const outlet = await LslOutlet.open({ name: "OldOutlet", channelCount: 2, nominalSrateHz: 100 }, { config: { ...CONFIG, useProtocolVersion: 100 } });
    opened.push(outlet);
    const { inlet, received, chunks } = await collect(await resolveOne("OldOutlet"), 110);
    expect(inlet.protocolVersion).toBe(100);
    await waitUntil(() => outlet.inletCount === 1, "the inlet to connect");
    outlet.pushChunk([1, 2, 3, 4], { timestampS: 7 });
    await waitUntil(() => received() === 2, "two samples");
    expect(valuesOf(chunks)).toEqual([1, 2, 3, 4]);
    expect(timestampsOf(chunks)).toEqual([6.99, 7]);
  });

  it("feeds several inlets the same samples", async () => {
    const outlet = await openOutlet("Many", { channels: 4, rateHz: 1000 });
    const info = await resolveOne("Many");
    const inlets = await Promise.all([collect(info), collect(info), collect(info, 100)]);
    await waitUntil(() => outlet.inletCount === 3, "three inlets");
    const samples = Float32Array.from({ length: 4 * 500 }, (_, index) => index);
    for (let start = 0; start < 500; start += 50) {
      outlet.pushChunk(samples.subarray(start * 4, (start + 50) * 4), { timestampS: 100 + start / 1000 });
    }
    await waitUntil(() => inlets.every((inlet) => inlet.received() === 500), "500 samples at every inlet");
    for (const inlet of inlets) {
      expect(valuesOf(inlet.chunks)).toEqual([...samples]);
    }
  });

  it("sends each inlet only what was pushed after it connected", async () => {
    const outlet = await openOutlet("Late");
    outlet.pushSample([1, 2], 1);
    const { received, chunks } = await collect(await resolveOne("Late"));
    await waitUntil(() => outlet.inletCount === 1, "the inlet to connect");
    outlet.pushSample([3, 4], 2);
    await waitUntil(() => received() === 1, "one sample");
    expect(valuesOf(chunks)).toEqual([3, 4]);
  });

  it("bounds the queue of an inlet that stops reading, dropping the oldest samples", async () => {
    const outlet = await openOutlet("Slow", { channels: 64, rateHz: 1000, maxBufferedS: 2 });
    const info = await resolveOne("Slow");
    // A peer that requests the feed and then never reads, so the socket fills and the queue takes the rest.
    const socket = connect({ host: "127.0.0.1", port: info.v4dataPort });
    opened.push({ close: () => socket.destroy() });
    socket.pause();
    socket.write(formatFeedRequest(info, { protocolVersion: 110, maxBufferSamples: 1_000_000, sessionId: "default" }));
    await waitUntil(() => outlet.inletCount === 1, "the feed to start");
    const chunk = new Float32Array(64 * 100);
    for (let index = 0; index < 2000; index++) {
      outlet.pushChunk(chunk, { timestampS: index / 10 });
    }
    expect(outlet.droppedSamples).toBeGreaterThan(0);
    // The queue contains at most 2 s at 1 kHz, plus the chunk that made it overflow.
    expect(outlet.queuedSamples).toBeLessThanOrEqual(2000 + 100);
  });

  it("sends the latest value at its own rate, never queueing older ones", async () => {
    const outlet = await LslOutlet.open({ name: "Target", channelCount: 2, channelFormat: "double64" }, { config: CONFIG, latestRateHz: 200 });
    opened.push(outlet);
    expect(outlet.info.nominalSrateHz).toBe(200);
    const { received, chunks } = await collect(await resolveOne("Target"));
    await waitUntil(() => outlet.inletCount === 1, "the inlet to connect");
    outlet.setLatest([1, 1]);
    outlet.setLatest([2, 2]);
    await waitUntil(() => received() >= 3, "three ticks");
    const values = valuesOf(chunks);
    expect(values.slice(0, 2)).toEqual([2, 2]);
    outlet.setLatest([3, 3]);
    await waitUntil(() => valuesOf(chunks).at(-1) === 3, "the new value");
    expect(() => outlet.setLatest([1])).toThrow(/2 channels|whole samples/);
  });
});
