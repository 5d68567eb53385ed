import { describe, expect, it } from "vitest";
import { LslQuery, LslQueryError } from "../src/lsl/query.js";
import { channelLabels, createStreamInfo, LslInfoError, parseStreamInfo, streamInfoElement, writeStreamInfo } from "../src/lsl/stream-info.js";
import { parseXml } from "../src/lsl/xml.js";

/** The short info of a 2-channel float32 stream at 10 Hz, as liblsl 1.17.7 sent it. */
const CAPTURED = [
  '<?xml version="1.0"?>',
  "<info>",
  "\t<name>PeerTest</name>",
  "\t<type>Test</type>",
  "\t<channel_count>2</channel_count>",
  "\t<channel_format>float32</channel_format>",
  "\t<source_id></source_id>",
  "\t<nominal_srate>10.00000000000000</nominal_srate>",
  "\t<version>1.100000000000000</version>",
  "\t<created_at>459.5322295970000</created_at>",
  "\t<uid>aef6cef1-8026-4f02-a480-8ea534c32087</uid>",
  "\t<session_id>default</session_id>",
  "\t<hostname>vm</hostname>",
  "\t<v4address></v4address>",
  "\t<v4data_port>16572</v4data_port>",
  "\t<v4service_port>16572</v4service_port>",
  "\t<v6address></v6address>",
  "\t<v6data_port>0</v6data_port>",
  "\t<v6service_port>0</v6service_port>",
  "\t<desc />",
  "</info>",
  "",
].join("\n");

describe("stream info", () => {
  it("reads the captured short info", () => {
    const info = parseStreamInfo(CAPTURED);
    expect(info).toMatchObject({
      name: "PeerTest",
      type: "Test",
      channelCount: 2,
      channelFormat: "float32",
      sourceId: "",
      nominalSrateHz: 10,
      version: 110,
      createdAtS: 459.532229597,
      uid: "aef6cef1-8026-4f02-a480-8ea534c32087",
      v4dataPort: 16572,
      v6dataPort: 0,
    });
  });

  it("writes the captured bytes from the same fields", () => {
    expect(CAPTURED.length).toBe(620);
    expect(writeStreamInfo(parseStreamInfo(CAPTURED), true)).toBe(CAPTURED);
  });

  it("builds a new outlet's info with labels", () => {
    const info = createStreamInfo({ name: "EMG", type: "EMG", channelCount: 2, nominalSrateHz: 2000, channelLabels: ["a", "b"] }, { createdAtS: 12.5, sessionId: "default" });
    expect(info.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const back = parseStreamInfo(writeStreamInfo(info));
    expect(channelLabels(back)).toEqual(["a", "b"]);
    expect(back.createdAtS).toBe(12.5);
    expect(writeStreamInfo(info, true)).toContain("<desc />");
  });

  it.each([
    ["an empty name", CAPTURED.replace("<name>PeerTest</name>", "<name></name>"), /empty or missing <name>/],
    ["a missing port", CAPTURED.replace("\t<v6data_port>0</v6data_port>\n", ""), /<v6data_port> is missing/],
    ["an unknown format", CAPTURED.replace(">float32<", ">float16<"), /float16/],
    ["absurd channels", CAPTURED.replace(">2</channel_count>", ">2147483648</channel_count>"), /2147483648 channels/],
    ["a port out of range", CAPTURED.replace(">16572</v4data_port>", ">70000</v4data_port>"), /70000/],
    ["an empty uid", CAPTURED.replace(/<uid>.*<\/uid>/, "<uid></uid>"), /<uid>/],
  ])("rejects %s", (_case, xml, message) => {
    expect(() => parseStreamInfo(xml)).toThrow(LslInfoError);
    expect(() => parseStreamInfo(xml)).toThrow(message);
  });

  it("rejects an entity declaration", () => {
    expect(() => parseStreamInfo(`<!DOCTYPE info [<!ENTITY x "y">]>${CAPTURED.slice(22)}`)).toThrow(/document type/);
  });
});

describe("LslQuery", () => {
  const full = parseXml(writeStreamInfo(createStreamInfo({ name: "Cap", type: "EMG", channelCount: 3, sourceId: "amp-1", nominalSrateHz: 2000, channelLabels: ["x", "y", "z"] }, { createdAtS: 1, sessionId: "default" })));

  it.each([
    ["", true],
    ["session_id='default' and name='Cap'", true],
    ["session_id='default' and name='Other'", false],
    ["channel_count='3' and name='Cap' and type='EMG' and source_id='amp-1' and channel_format='float32'", true],
    ["nominal_srate > 1000 and channel_count < 4", true],
    ["desc/channels/channel/label='y'", true],
    ["count(desc/channels/channel) = 3", true],
    ["starts-with(name, 'Ca') and not(contains(type, 'Marker'))", true],
    ["name='Other' or (type=\"EMG\" and channel_count != 2)", true],
    ["nosuch='x'", false],
  ])("evaluates %j as %s", (query, expected) => {
    expect(new LslQuery(query).matches(full)).toBe(expected);
  });

  it.each([["name=='x'"], ["name='x' and"], ["evil(name)"], ["name='x"], ["((((((((((((((((((((((((((((((((((name))))))))))))))))))))))))))))))))))"]])("rejects %j", (query) => {
    expect(() => new LslQuery(query)).toThrow(LslQueryError);
  });

  it("matches against the element of a short info too", () => {
    const info = parseStreamInfo(CAPTURED);
    expect(new LslQuery("name='PeerTest'").matches(streamInfoElement(info))).toBe(true);
  });
});
