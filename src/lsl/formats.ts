/**
 * Channel formats of Lab Streaming Layer streams, as named in stream info XML and numbered in
 * liblsl's API.
 */

/** The value format of every channel of an LSL stream. */
export type ChannelFormat = "float32" | "double64" | "string" | "int32" | "int16" | "int8" | "int64";

/** Every channel format, in liblsl's numbering order (1 to 7). */
export const CHANNEL_FORMATS: readonly ChannelFormat[] = ["float32", "double64", "string", "int32", "int16", "int8", "int64"];

/** Bytes of one value on the wire and in XDF; 0 for strings, whose length varies. */
const VALUE_BYTES: Readonly<Record<ChannelFormat, number>> = {
  float32: 4,
  double64: 8,
  string: 0,
  int32: 4,
  int16: 2,
  int8: 1,
  int64: 8,
};

/** Returns whether `value` names a channel format. */
export function isChannelFormat(value: unknown): value is ChannelFormat {
  return typeof value === "string" && (CHANNEL_FORMATS as readonly string[]).includes(value);
}

/** Returns the bytes of one value of `format`, or 0 for `string`. */
export function valueBytes(format: ChannelFormat): number {
  return VALUE_BYTES[format];
}

/** Returns liblsl's number for a channel format (float32 is 1, int64 is 7). */
export function channelFormatCode(format: ChannelFormat): number {
  return CHANNEL_FORMATS.indexOf(format) + 1;
}

/**
 * Parses a channel format name. Throws a `RangeError` naming the value and the accepted names
 * when it is not one.
 */
export function parseChannelFormat(value: string): ChannelFormat {
  const trimmed = value.trim();
  if (!isChannelFormat(trimmed)) {
    throw new RangeError(`channel format "${value}" is not one of ${CHANNEL_FORMATS.join(", ")}`);
  }
  return trimmed;
}
