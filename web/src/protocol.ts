/** Message shapes of panel protocol version 1, and the parser for binary envelope frames. */

import type { UiNodeType } from "../../src/ui/tree.js";

export const PROTOCOL_VERSION = 1;

/** Widget types; the server's definition is the one source of them. */
export type NodeType = UiNodeType;

/** One widget in the tree. Its `props` depend on `type`, so the views check each one's type. */
export interface WireNode {
  id: string;
  type: NodeType;
  props: Record<string, unknown>;
  children: string[];
}

export interface HelloMessage {
  type: "hello";
  protocol: number;
  appName: string;
}

export interface FrameMessage {
  type: "frame";
  seq: number;
  root: string;
  set: WireNode[];
  remove: string[];
}

export type ServerMessage = HelloMessage | FrameMessage;

export type ClientMessage =
  | { type: "click"; id: string }
  | { type: "toggle"; id: string; checked: boolean }
  | { type: "follow"; id: string; follow: boolean }
  | { type: "plotWidth"; id: string; widthPx: number };

/** A plot's min/max envelope: `min` and `max` are channel-major, `nChannels × widthPx`. */
export interface Envelope {
  plotId: string;
  nChannels: number;
  widthPx: number;
  startS: number;
  endS: number;
  min: Float32Array;
  max: Float32Array;
}

const ENVELOPE_KIND = 1;
const HEADER_AFTER_ID_BYTES = 24;

/** Whether this machine stores numbers little-endian, as the envelope frames do. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Parses a binary envelope frame (little-endian). Throws `RangeError` when the frame is of an
 * unknown kind or shorter than its header declares.
 */
export function parseEnvelope(buffer: ArrayBuffer): Envelope {
  const view = new DataView(buffer);
  if (buffer.byteLength < 3) {
    throw new RangeError(`binary frame of ${buffer.byteLength} bytes is too short for a header`);
  }
  const kind = view.getUint8(0);
  if (kind !== ENVELOPE_KIND) {
    throw new RangeError(`binary frame kind ${kind} is unknown; expected ${ENVELOPE_KIND}`);
  }

  const idLength = view.getUint16(1, true);
  const idEnd = 3 + idLength;
  // The header after the id starts at the next multiple of 4 from the start of the frame.
  const headerStart = Math.ceil(idEnd / 4) * 4;
  const valuesStart = headerStart + HEADER_AFTER_ID_BYTES;
  if (buffer.byteLength < valuesStart) {
    throw new RangeError(`envelope frame of ${buffer.byteLength} bytes ends inside its header`);
  }
  const plotId = new TextDecoder().decode(new Uint8Array(buffer, 3, idLength));
  const nChannels = view.getUint32(headerStart, true);
  const widthPx = view.getUint32(headerStart + 4, true);
  const startS = view.getFloat64(headerStart + 8, true);
  const endS = view.getFloat64(headerStart + 16, true);

  const count = nChannels * widthPx;
  const expectedBytes = valuesStart + 8 * count;
  if (buffer.byteLength < expectedBytes) {
    throw new RangeError(
      `envelope frame for plot "${plotId}" has ${buffer.byteLength} bytes; ` +
        `${nChannels} channels × ${widthPx} px need ${expectedBytes}`,
    );
  }
  if (LITTLE_ENDIAN) {
    // The values start at a multiple of 4, so they are read in place, without a copy.
    const min = new Float32Array(buffer, valuesStart, count);
    const max = new Float32Array(buffer, valuesStart + 4 * count, count);
    return { plotId, nChannels, widthPx, startS, endS, min, max };
  }
  const min = new Float32Array(count);
  const max = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    min[i] = view.getFloat32(valuesStart + 4 * i, true);
    max[i] = view.getFloat32(valuesStart + 4 * (count + i), true);
  }
  return { plotId, nChannels, widthPx, startS, endS, min, max };
}

/** Parses a JSON text frame, returning undefined for anything that is not a known message. */
export function parseServerMessage(text: string): ServerMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  if (type === "hello" || type === "frame") return value as ServerMessage;
  return undefined;
}
