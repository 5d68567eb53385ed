/**
 * The fields of an XDF stream header (an LSL stream info document) that a reader needs.
 */
import { parseChannelFormat, type ChannelFormat } from "../lsl/formats.js";
import { childElement, childElements, childText, parseXml, XmlError, type XmlElement } from "../lsl/xml.js";
import { XdfChunkError } from "./bytes.js";

/** Largest `channel_count` accepted by default. */
export const DEFAULT_MAX_CHANNEL_COUNT = 65_536;

/** Stream properties a stream header declares. */
export interface XdfStreamInfo {
  readonly name: string;
  readonly type: string;
  readonly channelCount: number;
  readonly nominalSrateHz: number;
  readonly channelFormat: ChannelFormat;
  readonly sourceId: string;
  readonly channelLabels: readonly string[] | undefined;
}

const UTF8 = new TextDecoder("utf-8");

/**
 * Decodes and parses the XML document in `bytes[start, end)`. Throws {@link XdfChunkError}
 * when it is not well-formed.
 */
export function parseXmlChunk(bytes: Uint8Array, start: number, end: number): XmlElement {
  const text = UTF8.decode(bytes.subarray(start, end));
  try {
    return parseXml(text);
  } catch (error) {
    if (error instanceof XmlError) {
      throw new XdfChunkError(error.message);
    }
    throw error;
  }
}

/**
 * Reads the stream info fields from a StreamHeader document. Throws {@link XdfChunkError} when
 * `channel_count`, `nominal_srate` or `channel_format` is missing or invalid, or when the
 * channel count is above `maxChannelCount`.
 */
export function readStreamInfo(info: XmlElement, maxChannelCount: number): XdfStreamInfo {
  const countText = requiredText(info, "channel_count");
  const channelCount = Number(countText);
  if (countText === "" || !Number.isSafeInteger(channelCount) || channelCount < 0) {
    throw new XdfChunkError(`channel_count ${JSON.stringify(countText)} is not a whole number of 0 or more`);
  }
  if (channelCount > maxChannelCount) {
    throw new XdfChunkError(
      `channel_count ${channelCount} is above the ${maxChannelCount} accepted; raise maxChannelCount if the file is genuine`,
    );
  }
  const rateText = requiredText(info, "nominal_srate");
  const nominalSrateHz = Number(rateText);
  if (rateText === "" || !Number.isFinite(nominalSrateHz) || nominalSrateHz < 0) {
    throw new XdfChunkError(`nominal_srate ${JSON.stringify(rateText)} is not a rate in Hz of 0 or more`);
  }
  const formatText = requiredText(info, "channel_format");
  let channelFormat: ChannelFormat;
  try {
    channelFormat = parseChannelFormat(formatText);
  } catch (error) {
    throw new XdfChunkError((error as Error).message);
  }
  return {
    name: childText(info, "name") ?? "",
    type: childText(info, "type") ?? "",
    channelCount,
    nominalSrateHz,
    channelFormat,
    sourceId: childText(info, "source_id") ?? "",
    channelLabels: readChannelLabels(info),
  };
}

/** Returns the labels of `desc/channels/channel`, "" for a channel without one, or undefined without channels. */
function readChannelLabels(info: XmlElement): string[] | undefined {
  const desc = childElement(info, "desc");
  const channels = desc === undefined ? undefined : childElement(desc, "channels");
  if (channels === undefined) {
    return undefined;
  }
  const list = childElements(channels, "channel");
  return list.length === 0 ? undefined : list.map((channel) => childText(channel, "label") ?? "");
}

function requiredText(info: XmlElement, name: string): string {
  const text = childText(info, name);
  if (text === undefined) {
    throw new XdfChunkError(`the stream info has no ${name} element`);
  }
  return text;
}
