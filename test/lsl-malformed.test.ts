import { createSocket } from "node:dgram";
import { connect, createServer, type Server, type Socket } from "node:net";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { resolveStreams } from "../src/lsl/discovery.js";
import { LslProtocolError } from "../src/lsl/errors.js";
import { FeedWriter } from "../src/lsl/feed-encoding.js";
import { fetchFullInfo, formatFeedRequest, LslInlet } from "../src/lsl/inlet.js";
import { LslOutlet } from "../src/lsl/outlet.js";
import { createStreamInfo, writeStreamInfo, type LslStreamInfo } from "../src/lsl/stream-info.js";
import { loopbackConfig, waitUntil } from "./support/lsl.js";

const CONFIG = loopbackConfig(17_170);
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function openOutlet(name: string, format: "float32" | "string" = "float32") {
  const outlet = await LslOutlet.open({ name, channelCount: 2, channelFormat: format, nominalSrateHz: 100 }, { config: CONFIG });
  const errors: Error[] = [];
  outlet.on("error", ({ error }) => errors.push(error));
  cleanups.push(() => outlet.close());
  return { outlet, errors };
}

/** Sends `bytes` to the outlet's data port and resolves with all it sends back before closing. */
function exchange(port: number, bytes: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const parts: Buffer[] = [];
    socket.on("data", (data: Buffer) => parts.push(data));
    socket.on("close", () => resolve(Buffer.concat(parts).toString("latin1")));
    socket.on("error", (error) => ((error as NodeJS.ErrnoException).code === "ECONNRESET" ? undefined : reject(error)));
    socket.write(bytes);
  });
}

/** Checks that the outlet still serves a proper inlet. */
async function stillServes(outlet: LslOutlet): Promise<void> {
  const [info] = await resolveStreams({ name: outlet.info.name, config: CONFIG, timeoutMs: 3000 });
  expect(info?.uid).toBe(outlet.info.uid);
  const inlet = await LslInlet.open(info as LslStreamInfo);
  cleanups.push(() => inlet.close());
  let received = 0;
  inlet.on("chunk", (chunk) => (received += chunk.count));
  await waitUntil(() => outlet.inletCount >= 1, "the proper inlet");
  outlet.pushSample(outlet.info.channelFormat === "string" ? ["a", "b"] : [1, 2]);
  await waitUntil(() => received === 1, "a sample at the proper inlet");
}

describe("outlet under malformed requests", () => {
  it("drops an unknown request without an answer", async () => {
    const { outlet } = await openOutlet("Garbage");
    expect(await exchange(outlet.info.v4dataPort, "HELLO THERE\r\n")).toBe("");
    await stillServes(outlet);
  });

  it("refuses a newer protocol with 505 and a wrong uid with 404", async () => {
    const { outlet } = await openOutlet("Refuser");
    expect(await exchange(outlet.info.v4dataPort, "LSL:streamfeed/200\r\nMax-Buffer-Length: 10\r\n\r\n")).toBe("LSL/110 505 Version not supported");
    expect(await exchange(outlet.info.v4dataPort, "LSL:streamfeed/110 not-the-uid\r\nMax-Buffer-Length: 10\r\n\r\n")).toBe("LSL/110 404 Not found");
  });

  it("ends a connection whose header never ends, and reports it", async () => {
    const { outlet, errors } = await openOutlet("Endless");
    const answer = await exchange(outlet.info.v4dataPort, `LSL:streamfeed/110\r\n${"X-Padding: y\r\n".repeat(30_000)}`);
    expect(answer).toBe("");
    expect(errors.map((error) => error.message).join("\n")).toMatch(/more than 262144 bytes/);
    await stillServes(outlet);
  });

  it("sends only test patterns without buffer", async () => {
    const { outlet } = await openOutlet("NoBuffer");
    const answer = await exchange(outlet.info.v4dataPort, "LSL:streamfeed/110\r\nMax-Buffer-Length: 0\r\n\r\n");
    expect(answer.startsWith("LSL/110 200 OK\r\n")).toBe(true);
    expect(outlet.inletCount).toBe(0);
  });

  it("ignores malformed and hostile discovery datagrams", async () => {
    const { outlet, errors } = await openOutlet("Datagrams");
    const socket = createSocket("udp4");
    cleanups.push(() => socket.close());
    const datagrams = ["", "LSL:shortinfo", "LSL:shortinfo\r\nname='x'\r\nnotaport id\r\n", "LSL:shortinfo\r\nevil(name)\r\n1 2\r\n", "LSL:timedata\r\nx y\r\n", "\u0000".repeat(2000)];
    for (const datagram of datagrams) {
      socket.send(datagram, outlet.info.v4servicePort, "127.0.0.1");
    }
    await waitUntil(() => errors.length >= 1, "the bad query to be reported");
    expect(errors[0]?.message).toMatch(/discovery query is invalid/);
    await stillServes(outlet);
  });

  it("survives mutated feed requests", async () => {
    const { outlet } = await openOutlet("Mutations");
    const valid = formatFeedRequest(outlet.info, { protocolVersion: 110, maxBufferSamples: 100, sessionId: "default" });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(valid.length), async (flips, cut) => {
        const bytes = Buffer.from(valid, "latin1");
        for (const [at, value] of flips) bytes[at] = value;
        const socket = connect({ host: "127.0.0.1", port: outlet.info.v4dataPort });
        socket.on("error", () => undefined);
        // Reading whatever comes back lets the socket see the outlet's end and close.
        socket.resume();
        socket.end(bytes.subarray(0, cut));
        await new Promise((resolve) => socket.on("close", resolve));
      }),
      { numRuns: FUZZ_RUNS },
    );
    await stillServes(outlet);
  }, 60_000);
});

/** Starts a fake outlet that replies to every connection with `respond`. */
async function fakeOutlet(respond: (socket: Socket, request: string) => void): Promise<LslStreamInfo> {
  const info = { ...createStreamInfo({ name: "Fake", channelCount: 2, nominalSrateHz: 100 }, { createdAtS: 1, sessionId: "default" }), v4address: "127.0.0.1" };
  const server: Server = createServer((socket) => {
    socket.on("error", () => undefined);
    let request = "";
    socket.on("data", (data: Buffer) => {
      request += data.toString("latin1");
      if (request.includes("\r\n\r\n") || request.startsWith("LSL:fullinfo")) {
        respond(socket, request);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { ...info, v4dataPort: typeof address === "object" && address !== null ? address.port : 0 };
}

const OK_HEADER = (info: LslStreamInfo) => `LSL/110 200 OK\r\nUID: ${info.uid}\r\nByte-Order: 1234\r\nData-Protocol-Version: 110\r\n\r\n`;

describe("inlet under a malformed outlet", () => {
  it("rejects a response that is not LSL", async () => {
    const info = await fakeOutlet((socket) => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    await expect(LslInlet.open(info)).rejects.toThrow(/not an LSL response/);
  });

  it("rejects test patterns that differ", async () => {
    const info = await fakeOutlet((socket) => {
      const patterns = new FeedWriter(info, 110).start();
      const last = patterns.length - 1;
      patterns[last] = (patterns[last] ?? 0) ^ 0x40;
      socket.write(OK_HEADER(info));
      socket.write(patterns);
    });
    await expect(LslInlet.open(info)).rejects.toThrow(/test pattern 2 .* likely incompatible/);
  });

  it("rejects a handshake cut short", async () => {
    const info = await fakeOutlet((socket) => socket.end(Buffer.concat([Buffer.from(OK_HEADER(info)), new FeedWriter(info, 110).start().subarray(0, 20)])));
    await expect(LslInlet.open(info)).rejects.toThrow(/closed the connection during the handshake/);
  });

  it("rejects a header that never ends", async () => {
    const info = await fakeOutlet((socket) => socket.write(`LSL/110 200 OK\r\n${"X: y\r\n".repeat(60_000)}`));
    await expect(LslInlet.open(info)).rejects.toThrow(LslProtocolError);
  });

  it("ends the feed with an error on an absurd string length, allocating nothing", async () => {
    const stringInfo = { name: "FakeStrings", channelFormat: "string" as const };
    const base = await fakeOutlet((socket) => {
      const info = { ...base, ...stringInfo };
      socket.write(OK_HEADER(info));
      socket.write(new FeedWriter(info, 110).start());
      // One sample with a deduced timestamp whose first string declares 2^40 bytes.
      socket.write(Buffer.from([0x01, 0x08, 0, 0, 0, 0, 0, 1, 0, 0]));
    });
    // The bad sample may arrive with the handshake, failing the open, or after it, ending the feed.
    const failure = await LslInlet.open({ ...base, ...stringInfo }).then(
      (inlet) => new Promise<Error | undefined>((resolve) => inlet.on("closed", ({ error }) => resolve(error))),
      (error: unknown) => error as Error,
    );
    expect(failure).toBeInstanceOf(LslProtocolError);
    expect(failure?.message).toMatch(/declares 1099511627776 bytes/);
  });

  it("rejects a full info with a document type or of absurd size", async () => {
    const hostile = await fakeOutlet((socket) => socket.end(`<?xml version="1.0"?><!DOCTYPE info [<!ENTITY a "aaaa">]><info><name>&a;</name></info>`));
    await expect(fetchFullInfo(hostile)).rejects.toThrow(/document type/);
    const huge = await fakeOutlet((socket) => socket.end(`<info>${"x".repeat(2 * 1024 * 1024)}</info>`));
    await expect(fetchFullInfo(huge)).rejects.toThrow(/longer than/);
  });

  it("never crashes on random bytes after a valid header", async () => {
    let payload = Buffer.alloc(0);
    const info = await fakeOutlet((socket) => {
      socket.write(OK_HEADER(info));
      socket.write(new FeedWriter(info, 110).start());
      socket.end(payload);
    });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        payload = Buffer.from(bytes);
        const failure = await LslInlet.open(info).then(
          (inlet) => new Promise<Error | undefined>((resolve) => inlet.on("closed", ({ error }) => resolve(error))),
          (error: unknown) => error as Error,
        );
        expect(failure).toBeInstanceOf(Error);
      }),
      { numRuns: FUZZ_RUNS },
    );
  }, 60_000);
});

describe("stream info from the network", () => {
  it("is written with every field liblsl requires", () => {
    const info = createStreamInfo({ name: "Fields", channelCount: 1 }, { createdAtS: 0, sessionId: "default" });
    const xml = writeStreamInfo(info);
    for (const field of ["name", "type", "channel_count", "channel_format", "source_id", "nominal_srate", "version", "created_at", "uid", "session_id", "hostname", "v4address", "v4data_port", "v4service_port", "v6address", "v6data_port", "v6service_port", "desc"]) {
      expect(xml).toMatch(new RegExp(`<${field}[ />]`));
    }
    // liblsl's inlets ignore a full info whose creation time is 0.
    expect(xml).not.toMatch(/<created_at>0\.0+<\/created_at>/);
  });
});
