import { createSocket } from "node:dgram";
import { connect, createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../src/app/app.js";
import { localClockS } from "../src/core/clock.js";
import { resolveStreams } from "../src/lsl/discovery.js";
import { LslProtocolError } from "../src/lsl/errors.js";
import { FeedWriter } from "../src/lsl/feed-encoding.js";
import { LslInlet } from "../src/lsl/inlet.js";
import { LslOutlet, MAX_OUTLET_CONNECTIONS } from "../src/lsl/outlet.js";
import { LslQuery } from "../src/lsl/query.js";
import { LslSource } from "../src/lsl/source.js";
import { createStreamInfo, type LslStreamInfo } from "../src/lsl/stream-info.js";
import { loopbackConfig, waitUntil } from "./support/lsl.js";

const CONFIG = loopbackConfig(17_290);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openOutlet(name: string, options: { format?: "int8" | "int16" | "float32"; latestRateHz?: number; handshakeTimeoutMs?: number; rateHz?: number; sourceId?: string } = {}) {
  const outlet = await LslOutlet.open(
    { name, channelCount: 2, channelFormat: options.format ?? "float32", nominalSrateHz: options.rateHz ?? 100, ...(options.sourceId === undefined ? {} : { sourceId: options.sourceId }) },
    { config: CONFIG, ...(options.latestRateHz === undefined ? {} : { latestRateHz: options.latestRateHz }), ...(options.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: options.handshakeTimeoutMs }) },
  );
  const errors: Error[] = [];
  outlet.on("error", ({ error }) => errors.push(error));
  cleanups.push(() => outlet.close());
  return { outlet, errors };
}

function rawConnection(port: number): Socket {
  const socket = connect({ host: "127.0.0.1", port });
  socket.on("error", () => undefined);
  cleanups.push(() => socket.destroy());
  return socket;
}

describe("outlet hardening", () => {
  it("checks integer values when they are pushed, not when they are sent", async () => {
    const { outlet } = await openOutlet("Ints", { format: "int16" });
    expect(() => outlet.pushSample([1.5, 2])).toThrow(/value 1.5 pushed to Ints is not an int16/);
    expect(() => outlet.pushSample([40_000, 2])).toThrow(/from -32768 to 32767/);
    const { outlet: latest } = await openOutlet("Latest", { format: "int8", latestRateHz: 10 });
    expect(() => latest.setLatest([200, 0])).toThrow(/not an int8/);
  });

  it("stamps 0 as now, skips empty chunks", async () => {
    const { outlet } = await openOutlet("Stamps");
    const [info] = await resolveStreams({ name: "Stamps", config: CONFIG, timeoutMs: 3000 });
    const inlet = await LslInlet.open(info as LslStreamInfo);
    cleanups.push(() => inlet.close());
    const stamps: number[] = [];
    inlet.on("chunk", (chunk) => stamps.push(...chunk.timestamps.subarray(0, chunk.count)));
    await waitUntil(() => outlet.inletCount === 1, "the inlet");
    const before = localClockS();
    outlet.pushChunk([]);
    outlet.pushSample([1, 2], 0);
    await waitUntil(() => stamps.length === 1, "one sample");
    expect(stamps[0]).toBeGreaterThanOrEqual(before);
    expect(stamps[0]).toBeLessThanOrEqual(localClockS());
  });

  it("does not respond to a query too costly to evaluate, and says why", async () => {
    const labels = Array.from({ length: 300 }, (_, index) => `ch${index}`);
    const outlet = await LslOutlet.open({ name: "Costly", channelCount: 300, channelLabels: labels }, { config: CONFIG });
    cleanups.push(() => outlet.close());
    const errors: Error[] = [];
    outlet.on("error", ({ error }) => errors.push(error));
    const socket = createSocket("udp4");
    cleanups.push(() => socket.close());
    const costly = Array.from({ length: 200 }, () => "*/*/*/*<*/*/*/*").join(" or ");
    expect(() => new LslQuery(costly).matches({ name: "info", attributes: {}, children: Array.from({ length: 300 }, () => ({ name: "x", attributes: {}, children: ["1"] })) })).toThrow(/more than 100000 steps/);
    socket.send(`LSL:shortinfo\r\n${costly}\r\n9 1\r\n`, outlet.info.v4servicePort, "127.0.0.1");
    await waitUntil(() => errors.length > 0, "the refusal to be reported");
    expect(errors[0]?.message).toMatch(/does not respond to it: query needs more than 100000 steps/);
  });

  it("reads a request whose lines come in separate writes", async () => {
    const { outlet } = await openOutlet("Split");
    const socket = rawConnection(outlet.info.v4dataPort);
    let answer = "";
    socket.on("data", (data: Buffer) => (answer += data.toString("utf8")));
    socket.write("LSL:shortinfo\r\n");
    await new Promise((resolve) => setImmediate(resolve));
    socket.write("name='Split'\r\n");
    await new Promise((resolve) => socket.on("end", resolve));
    expect(answer).toContain("<name>Split</name>");
  });

  it("closes a connection whose request does not complete in time", async () => {
    const { outlet, errors } = await openOutlet("Slowloris", { handshakeTimeoutMs: 200 });
    const socket = rawConnection(outlet.info.v4dataPort);
    socket.write("LSL:streamfeed/110\r\nMax-Buffer-Length: 10\r\n");
    await new Promise((resolve) => socket.on("close", resolve));
    expect(errors.map((error) => error.message).join()).toMatch(/request not complete within 200 ms/);
  });

  it(`closes connections beyond ${MAX_OUTLET_CONNECTIONS}`, async () => {
    const { outlet, errors } = await openOutlet("Crowd");
    const sockets = Array.from({ length: MAX_OUTLET_CONNECTIONS + 4 }, () => rawConnection(outlet.info.v4dataPort));
    await waitUntil(() => errors.length > 0, "the overflow to be reported");
    expect(errors[0]?.message).toMatch(new RegExp(`${MAX_OUTLET_CONNECTIONS} connections are open`));
    for (const socket of sockets) socket.destroy();
  });
});

describe("inlet hardening", () => {
  it("bounds the strings of one sample together, whatever the channel count", async () => {
    const info: LslStreamInfo = { ...createStreamInfo({ name: "Wide", channelCount: 1000, channelFormat: "string" }, { createdAtS: 1, sessionId: "default" }), v4address: "127.0.0.1" };
    const server = createServer((socket) => {
      socket.on("error", () => undefined);
      socket.once("data", () => {
        socket.write(`LSL/110 200 OK\r\nUID: ${info.uid}\r\nByte-Order: 1234\r\nData-Protocol-Version: 110\r\n\r\n`);
        socket.write(new FeedWriter(info, 110).start());
        // A sample whose first string declares 1 MiB: within the per-string limit, but 1000 such strings are not.
        socket.write(Buffer.from([0x01, 0x04, 0x00, 0x00, 0x10, 0x00]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const failure = await LslInlet.open({ ...info, v4dataPort: port }).then(
      (inlet) => new Promise<Error | undefined>((resolve) => inlet.on("closed", ({ error }) => resolve(error))),
      (error: unknown) => error as Error,
    );
    expect(failure).toBeInstanceOf(LslProtocolError);
    expect(failure?.message).toMatch(/1048576 bytes, over maxStringBytes 16777/);
  });

  it("rejects options that would make timers misfire or the feed end at once", async () => {
    await expect(resolveStreams({ name: "x", config: CONFIG, timeoutMs: Number.POSITIVE_INFINITY })).rejects.toThrow(/timeoutMs must be from 0 to 2147483647 ms/);
    const info: LslStreamInfo = { ...createStreamInfo({ name: "Opts", channelCount: 1 }, { createdAtS: 1, sessionId: "default" }), v4address: "127.0.0.1", v4dataPort: 9 };
    await expect(LslInlet.open(info, { maxBufferedS: Number.NaN })).rejects.toThrow(/maxBufferedS must be a positive number/);
  });

  it("says so when the configuration gives nothing to send discovery queries to", async () => {
    const config = { ...CONFIG, machineAddresses: [], knownPeers: ["localhost"] };
    await expect(resolveStreams({ name: "x", config, timeoutMs: 100 })).rejects.toThrow(/host names in KnownPeers are not looked up/);
  });

  it("says so when the discovery socket cannot be opened", async () => {
    // 192.0.2.1 is a documentation address that no interface here has, so binding to it fails.
    await expect(resolveStreams({ name: "x", config: { ...CONFIG, listenAddress: "192.0.2.1" }, timeoutMs: 100 })).rejects.toThrow(/could not open a UDP socket on 192.0.2.1/);
  });

  it("reconnects a regular stream whose outlet stopped sending without closing", async () => {
    const { outlet } = await openOutlet("Frozen", { sourceId: "frozen-1" });
    const config = { ...CONFIG, watchdogTimeThresholdS: 0.3, watchdogCheckIntervalS: 0.1 };
    const source = new LslSource({ name: "Frozen", config, resolveTimeoutMs: 500 });
    const app = new App({ name: "watchdog" });
    const stream = app.addStream({ name: "emg", source, reconnectDelayMs: 50 });
    cleanups.push(() => app.stop());
    await app.start();
    await waitUntil(() => outlet.inletCount === 1, "the first connection");
    outlet.pushSample([1, 2]);
    const messages: string[] = [];
    stream.on("status", (status) => messages.push(status.message));
    await waitUntil(() => source.connections === 2, "the reconnection", 10_000);
    expect(messages.join("\n")).toMatch(/no data from Frozen for 0\.\d s, so the connection is presumed dead/);
  });
});
