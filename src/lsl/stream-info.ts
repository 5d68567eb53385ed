/**
 * The description of an LSL stream as its XML travels between outlets and inlets: the fixed
 * fields liblsl writes in a fixed order, and the free-form `desc` element.
 */

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { parseChannelFormat, type ChannelFormat } from "./formats.js";
import { checkXmlNames, childElement, childElements, childText, parseXml, writeXmlDocument, type XmlElement } from "./xml.js";

/** Protocol version this implementation speaks at most: 1.10, written 110. */
export const LSL_PROTOCOL_VERSION = 110;

/** Most channels accepted in a stream info; more is refused before anything is allocated. */
export const MAX_CHANNELS = 65_536;

/** Maximum length of a stream info document, in characters. */
export const MAX_INFO_CHARS = 1024 * 1024;

/** A stream's description: what an outlet publishes and an inlet receives. */
export interface LslStreamInfo {
  readonly name: string;
  /** Content type such as `EMG` or `Markers`; may be empty. */
  readonly type: string;
  readonly channelCount: number;
  readonly channelFormat: ChannelFormat;
  /** Identifier that survives restarts of the device; an inlet reconnects by it. May be empty. */
  readonly sourceId: string;
  /** Nominal rate in Hz; 0 for an irregular stream. */
  readonly nominalSrateHz: number;
  /** Protocol version times 100, 110 for 1.10. */
  readonly version: number;
  /** The outlet's clock when it was created, in seconds. */
  readonly createdAtS: number;
  /** Random identifier of this outlet instance. */
  readonly uid: string;
  readonly sessionId: string;
  readonly hostname: string;
  /** The outlet's IPv4 address as the receiver saw it; empty in what outlets send. */
  readonly v4address: string;
  readonly v4dataPort: number;
  readonly v4servicePort: number;
  readonly v6address: string;
  readonly v6dataPort: number;
  readonly v6servicePort: number;
  /** Free-form metadata such as channel labels and units; empty in a short info. */
  readonly desc: XmlElement;
}

/** Description of a new outlet's stream as a user gives it; the rest is filled in. */
export interface LslStreamDescription {
  readonly name: string;
  readonly type?: string;
  readonly channelCount: number;
  readonly channelFormat?: ChannelFormat;
  readonly sourceId?: string;
  /** Nominal rate in Hz; 0 (the default) for an irregular stream. */
  readonly nominalSrateHz?: number;
  /** Channel labels, written to `desc/channels/channel/label`. */
  readonly channelLabels?: readonly string[];
  /** Further elements under `desc`, kept as given. */
  readonly desc?: readonly XmlElement[];
}

/** Raised when a stream info document is missing a field or contains an invalid value. */
export class LslInfoError extends Error {
  override readonly name = "LslInfoError";
}

/** An empty `desc` element. */
export const EMPTY_DESC: XmlElement = { name: "desc", attributes: {}, children: [] };

/**
 * Builds a complete stream info for a new outlet: a fresh uid, the creation time, this host's
 * name, and ports left at 0 until the outlet binds them. Throws a `RangeError` for an empty
 * name, a channel count outside 1 to {@link MAX_CHANNELS}, or a negative or non-finite rate.
 */
export function createStreamInfo(description: LslStreamDescription, options: { createdAtS: number; sessionId: string }): LslStreamInfo {
  if (typeof description.name !== "string" || description.name === "") {
    throw new RangeError("an LSL stream needs a non-empty name");
  }
  if (!Number.isInteger(description.channelCount) || description.channelCount < 1 || description.channelCount > MAX_CHANNELS) {
    throw new RangeError(`channelCount must be an integer from 1 to ${MAX_CHANNELS}, received ${String(description.channelCount)}`);
  }
  const rate = description.nominalSrateHz ?? 0;
  if (!Number.isFinite(rate) || rate < 0) {
    throw new RangeError(`nominalSrateHz must be 0 (irregular) or a positive number, received ${String(rate)}`);
  }
  const labels = description.channelLabels;
  if (labels !== undefined && labels.length !== description.channelCount) {
    throw new RangeError(`${labels.length} channel labels were given for ${description.channelCount} channels`);
  }
  const descChildren: XmlElement[] = [];
  if (labels !== undefined) {
    descChildren.push(element("channels", labels.map((label) => element("channel", [element("label", [label])]))));
  }
  for (const element of description.desc ?? []) {
    checkXmlNames(element);
    descChildren.push(element);
  }
  return {
    name: description.name,
    type: description.type ?? "",
    channelCount: description.channelCount,
    channelFormat: description.channelFormat ?? "float32",
    sourceId: description.sourceId ?? "",
    nominalSrateHz: rate,
    version: LSL_PROTOCOL_VERSION,
    // liblsl's inlets ignore a full info whose creation time is 0.
    createdAtS: options.createdAtS === 0 ? Number.MIN_VALUE : options.createdAtS,
    uid: randomUUID(),
    sessionId: options.sessionId,
    hostname: hostname(),
    v4address: "",
    v4dataPort: 0,
    v4servicePort: 0,
    v6address: "",
    v6dataPort: 0,
    v6servicePort: 0,
    desc: element("desc", descChildren),
  };
}

function element(name: string, children: readonly (XmlElement | string)[]): XmlElement {
  return { name, attributes: {}, children };
}

/** Formats a number as liblsl writes info fields: 16 significant digits with a decimal point. */
export function formatInfoNumber(value: number): string {
  return value.toPrecision(16);
}

/** Returns the `<info>` element of a stream info; `short` leaves `desc` empty. */
export function streamInfoElement(info: LslStreamInfo, short = false): XmlElement {
  const field = (name: string, text: string) => element(name, [text]);
  return element("info", [
    field("name", info.name),
    field("type", info.type),
    field("channel_count", String(info.channelCount)),
    field("channel_format", info.channelFormat),
    field("source_id", info.sourceId),
    field("nominal_srate", formatInfoNumber(info.nominalSrateHz)),
    field("version", formatInfoNumber(info.version / 100)),
    field("created_at", formatInfoNumber(info.createdAtS)),
    field("uid", info.uid),
    field("session_id", info.sessionId),
    field("hostname", info.hostname),
    field("v4address", info.v4address),
    field("v4data_port", String(info.v4dataPort)),
    field("v4service_port", String(info.v4servicePort)),
    field("v6address", info.v6address),
    field("v6data_port", String(info.v6dataPort)),
    field("v6service_port", String(info.v6servicePort)),
    short ? EMPTY_DESC : info.desc,
  ]);
}

/** Writes a stream info as an XML document; `short` leaves `desc` empty, as discovery replies do. */
export function writeStreamInfo(info: LslStreamInfo, short = false): string {
  return writeXmlDocument(streamInfoElement(info, short));
}

/**
 * Reads a stream info document with the checks liblsl's reader makes: a non-empty name and
 * uid, every numeric field present and numeric, a known channel format, a positive version and
 * ports from 0 to 65535. Throws {@link LslInfoError} naming the field, or an `XmlError`.
 */
export function parseStreamInfo(xml: string): LslStreamInfo {
  return streamInfoFromElement(parseXml(xml, { maxChars: MAX_INFO_CHARS }));
}

/** Reads a stream info from its parsed `<info>` element; see {@link parseStreamInfo}. */
export function streamInfoFromElement(root: XmlElement): LslStreamInfo {
  if (root.name !== "info") {
    throw new LslInfoError(`stream info's root element is <${root.name}>, expected <info>`);
  }
  const text = (name: string) => childText(root, name) ?? "";
  const number = (name: string) => {
    const value = childText(root, name);
    const parsed = value === undefined || value === "" ? Number.NaN : Number(value);
    if (!Number.isFinite(parsed)) {
      throw new LslInfoError(`stream info field <${name}> is ${value === undefined ? "missing" : `"${value}", not a number`}`);
    }
    return parsed;
  };
  const port = (name: string) => {
    const value = number(name);
    if (!Number.isInteger(value) || value < 0 || value > 65535) {
      throw new LslInfoError(`stream info field <${name}> is ${value}, not a port from 0 to 65535`);
    }
    return value;
  };
  const name = text("name");
  if (name === "") {
    throw new LslInfoError("stream info has an empty or missing <name>");
  }
  const channelCount = number("channel_count");
  if (!Number.isInteger(channelCount) || channelCount < 0 || channelCount > MAX_CHANNELS) {
    throw new LslInfoError(`stream info declares ${channelCount} channels; from 0 to ${MAX_CHANNELS} are accepted`);
  }
  let channelFormat: ChannelFormat;
  try {
    channelFormat = parseChannelFormat(text("channel_format"));
  } catch (error) {
    throw new LslInfoError(`stream info: ${(error as Error).message}`);
  }
  const nominalSrateHz = number("nominal_srate");
  if (nominalSrateHz < 0) {
    throw new LslInfoError(`stream info declares a negative nominal rate ${nominalSrateHz}`);
  }
  const version = Math.trunc(number("version") * 100 + 1e-6);
  if (version <= 0) {
    throw new LslInfoError(`stream info declares protocol version ${text("version")}, which is not positive`);
  }
  const uid = text("uid");
  if (uid === "") {
    throw new LslInfoError("stream info has an empty or missing <uid>");
  }
  return {
    name,
    type: text("type"),
    channelCount,
    channelFormat,
    sourceId: text("source_id"),
    nominalSrateHz,
    version,
    createdAtS: number("created_at"),
    uid,
    sessionId: text("session_id"),
    hostname: text("hostname"),
    v4address: text("v4address"),
    v4dataPort: port("v4data_port"),
    v4servicePort: port("v4service_port"),
    v6address: text("v6address"),
    v6dataPort: port("v6data_port"),
    v6servicePort: port("v6service_port"),
    desc: childElement(root, "desc") ?? EMPTY_DESC,
  };
}

/** Returns the channel labels under `desc/channels/channel/label`, when there is one per channel. */
export function channelLabels(info: LslStreamInfo): string[] | undefined {
  const channels = childElement(info.desc, "channels");
  if (channels === undefined) {
    return undefined;
  }
  const labels = childElements(channels, "channel").map((channel) => childText(channel, "label") ?? "");
  return labels.length === info.channelCount ? labels : undefined;
}
