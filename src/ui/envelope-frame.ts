import type { DisplayEnvelope } from "../stream/display.js";

/** Kind byte of an envelope frame in the panel protocol. */
export const ENVELOPE_FRAME_KIND = 1;

/**
 * Encodes a plot envelope as a binary frame of the panel protocol: kind, id, padding to a
 * multiple of 4, channel count, width, start and end times, then the min and max arrays.
 */
export function encodeEnvelopeFrame(id: string, envelope: DisplayEnvelope): Uint8Array {
  const idBytes = new TextEncoder().encode(id);
  if (idBytes.length > 0xffff) {
    throw new RangeError(`plot id is ${idBytes.length} bytes long; at most 65535 fit in a frame`);
  }
  const headerEnd = Math.ceil((3 + idBytes.length) / 4) * 4;
  const values = envelope.nChannels * envelope.widthPx;
  const bytes = new Uint8Array(headerEnd + 24 + 8 * values);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, ENVELOPE_FRAME_KIND);
  view.setUint16(1, idBytes.length, true);
  bytes.set(idBytes, 3);
  view.setUint32(headerEnd, envelope.nChannels, true);
  view.setUint32(headerEnd + 4, envelope.widthPx, true);
  view.setFloat64(headerEnd + 8, envelope.startS, true);
  view.setFloat64(headerEnd + 16, envelope.endS, true);
  const floats = new Float32Array(bytes.buffer, headerEnd + 24, 2 * values);
  floats.set(envelope.min, 0);
  floats.set(envelope.max, values);
  return bytes;
}
