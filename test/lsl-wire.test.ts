import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LslOutlet } from "../src/lsl/outlet.js";
import { loopbackConfig } from "./support/lsl.js";

// Bytes captured from liblsl 1.17.7 on loopback, for a 2-channel float32 stream at 10 Hz.
const CAPTURED_REQUEST_110 = (uid: string) =>
  `LSL:streamfeed/110 ${uid}\r\nNative-Byte-Order: 1234\r\nEndian-Performance: 3.20256e+06\r\nHas-IEEE754-Floats: 1\r\n` +
  "Supports-Subnormals: 1\r\nValue-Size: 4\r\nData-Protocol-Version: 110\r\nMax-Buffer-Length: 3600\r\nMax-Chunk-Length: 0\r\n" +
  "Hostname: vm\r\nSource-Id: \r\nSession-Id: default\r\n\r\n";
const CAPTURED_RESPONSE_110 = (uid: string) => `LSL/110 200 OK\r\nUID: ${uid}\r\nByte-Order: 1234\r\nSuppress-Subnormals: 0\r\nData-Protocol-Version: 110\r\n\r\n`;
/** The two test patterns in 1.10: tag 02, timestamp 123456.789, then 4.0, -5.0 and 2.0, -3.0. */
const CAPTURED_PATTERNS_110 = ["02", "c976be9f0c24fe40", "00008040", "0000a0c0", "02", "c976be9f0c24fe40", "00000040", "000040c0"].join("");
/** The same in the 1.00 archive: the class marker, then each field as a compressed integer. */
const CAPTURED_PATTERNS_100 = ["0000", "0102", "08c976be9f0c24fe40", "0400008040", "040000a0c0", "0102", "08c976be9f0c24fe40", "0400000040", "04000040c0"].join("");

const CONFIG = loopbackConfig(17_230);
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function outlet2x10(): Promise<LslOutlet> {
  const outlet = await LslOutlet.open({ name: "PeerTest", type: "Test", channelCount: 2, nominalSrateHz: 10 }, { config: CONFIG });
  closers.push(() => outlet.close());
  return outlet;
}

/** Sends `request` and resolves with the first `length` bytes the outlet sends back. */
function firstBytes(port: number, request: string, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    closers.push(() => socket.destroy());
    let received = Buffer.alloc(0);
    socket.on("data", (data: Buffer) => {
      received = Buffer.concat([received, data]);
      if (received.length >= length) resolve(received.subarray(0, length));
    });
    socket.on("error", reject);
    socket.write(request);
  });
}

describe("LSL bytes on the wire", () => {
  it("answers liblsl's 1.10 feed request with liblsl's response and test patterns", async () => {
    const outlet = await outlet2x10();
    const uid = outlet.info.uid;
    const response = CAPTURED_RESPONSE_110(uid);
    const expected = Buffer.concat([Buffer.from(response, "latin1"), Buffer.from(CAPTURED_PATTERNS_110, "hex")]);
    const answer = await firstBytes(outlet.info.v4dataPort, CAPTURED_REQUEST_110(uid), expected.length);
    expect(answer.toString("hex")).toBe(expected.toString("hex"));
  });

  it("answers liblsl's 1.00 feed request with the archive, the short info and the test patterns", async () => {
    const outlet = await outlet2x10();
    const patterns = Buffer.from(CAPTURED_PATTERNS_100, "hex");
    // Magic, archive version 9, then the short info's length as a compressed integer.
    const head = await firstBytes(outlet.info.v4dataPort, "LSL:streamfeed\r\n18000 0\r\n", 6);
    expect(head.subarray(0, 3).toString("hex")).toBe("7f0109");
    expect(head[3]).toBe(2);
    const xmlLength = head.readUInt16LE(4);
    const whole = await firstBytes(outlet.info.v4dataPort, "LSL:streamfeed\r\n18000 0\r\n", 6 + xmlLength + patterns.length);
    const xml = whole.subarray(6, 6 + xmlLength).toString("utf8");
    expect(xml).toContain(`<uid>${outlet.info.uid}</uid>`);
    expect(xml).toContain("<desc />");
    expect(whole.subarray(6 + xmlLength).toString("hex")).toBe(patterns.toString("hex"));
  });

  it("answers liblsl's discovery query with the query id and the short info", async () => {
    const outlet = await outlet2x10();
    const socket = createSocket("udp4");
    closers.push(() => socket.close());
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    const reply = new Promise<string>((resolve) => socket.on("message", (message: Buffer) => resolve(message.toString("utf8"))));
    socket.send(`LSL:shortinfo\r\nsession_id='default' and name='PeerTest'\r\n${socket.address().port} 3834730076587506882\r\n`, outlet.info.v4servicePort, "127.0.0.1");
    const text = await reply;
    expect(text.startsWith('3834730076587506882\r\n<?xml version="1.0"?>\n<info>\n\t<name>PeerTest</name>\n')).toBe(true);
    expect(text).toContain(`\t<v4data_port>${outlet.info.v4dataPort}</v4data_port>\n`);
    expect(text).toContain("\t<v4address></v4address>\n");
  });

  it("serves the full info and closes, as liblsl does", async () => {
    const outlet = await outlet2x10();
    const answer = await new Promise<string>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port: outlet.info.v4dataPort });
      let text = "";
      socket.on("data", (data: Buffer) => (text += data.toString("utf8")));
      socket.on("end", () => resolve(text));
      socket.write("LSL:fullinfo\r\n");
    });
    expect(answer.startsWith('<?xml version="1.0"?>\n<info>\n')).toBe(true);
    expect(answer.endsWith("</info>\n")).toBe(true);
  });
});
