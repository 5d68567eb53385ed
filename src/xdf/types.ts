/**
 * Shapes of an XDF file as {@link readXdf} returns it: the file header, every stream with its
 * samples and clock offsets, and the problems met while reading.
 */
import type { ChannelFormat } from "../lsl/formats.js";
import type { XmlElement } from "../lsl/xml.js";

/** Every channel format except `string`. */
export type XdfNumericFormat = Exclude<ChannelFormat, "string">;

/** Clock offsets the recorder measured for one stream, in the order of their ClockOffset chunks. */
export interface XdfClockOffsets {
  /** Time of each measurement, in seconds on the stream's own clock. */
  readonly collectionTimeS: readonly number[];
  /** Recorder clock minus stream clock at each measurement, in seconds. */
  readonly offsetS: readonly number[];
}

/**
 * Linear map from a stream's clock to the recorder's: a timestamp `t` becomes
 * `t + interceptS + slope · t`.
 */
export interface XdfClockCorrection {
  /** Offset at stream time 0, in seconds. */
  readonly interceptS: number;
  /** Change of the offset per second of stream time (clock drift, seconds per second). */
  readonly slope: number;
  /**
   * `mean` when the offsets cannot fit a line (one offset, or all measured at the same time), so
   * the slope is 0; `least-squares` for an ordinary least-squares line through the offsets.
   */
  readonly method: "mean" | "least-squares";
}

/** Fields and samples common to numeric and string streams. */
interface XdfStreamFields {
  /** Stream id of the file's chunks; LabRecorder numbers streams from 1. */
  readonly id: number;
  /** `name` of the stream info; empty when missing. */
  readonly name: string;
  /** `type` of the stream info, such as `EMG` or `Markers`; empty when missing. */
  readonly type: string;
  readonly channelCount: number;
  /** Nominal sample rate in Hz; 0 for an irregular stream. */
  readonly nominalSrateHz: number;
  /** `source_id` of the stream info; empty when missing. */
  readonly sourceId: string;
  /** Labels from `desc/channels/channel/label`, or undefined when the info lists no channels. */
  readonly channelLabels: readonly string[] | undefined;
  /** The StreamHeader's XML document (the stream info, `<info>` for LabRecorder). */
  readonly header: XmlElement;
  /** The StreamFooter's XML document, or undefined when the file has none for this stream. */
  readonly footer: XmlElement | undefined;
  readonly clockOffsets: XdfClockOffsets;
  /** The correction applied to {@link XdfStreamFields.correctedTimestamps}; undefined without offsets. */
  readonly clockCorrection: XdfClockCorrection | undefined;
  readonly nSamples: number;
  /**
   * Timestamps as recorded, in seconds on the stream's clock. A sample stored without one
   * gets the previous sample's timestamp plus `1 / nominalSrateHz` (plus 0 for an irregular
   * stream), starting from 0 at the stream's first sample.
   */
  readonly timestamps: Float64Array;
  /** {@link XdfStreamFields.timestamps} mapped onto the recorder's clock by the clock correction. */
  readonly correctedTimestamps: Float64Array;
}

/** A stream of numbers. */
export interface XdfNumericStream extends XdfStreamFields {
  readonly channelFormat: XdfNumericFormat;
  /**
   * Values sample-major, `nSamples × channelCount`. The array is a Float32Array for
   * `float32`, `int8` and `int16`, whose values it represents exactly, and a Float64Array for `double64`,
   * `int32` and `int64`. An int64 value beyond ±2^53 is rounded to the nearest double.
   */
  readonly values: Float32Array | Float64Array;
}

/** A stream of strings, such as an event marker stream. */
export interface XdfStringStream extends XdfStreamFields {
  readonly channelFormat: "string";
  /** One array of `channelCount` strings per sample, decoded as UTF-8 with U+FFFD for invalid bytes. */
  readonly values: readonly (readonly string[])[];
}

/** One stream of an XDF file. Its `channelFormat` distinguishes numeric and string streams. */
export type XdfStream = XdfNumericStream | XdfStringStream;

/** An XDF file as read. */
export interface XdfFile {
  /** The FileHeader's XML document, or undefined when the file has none. */
  readonly header: XmlElement | undefined;
  /** Every stream with a valid StreamHeader, in the order of the headers. */
  readonly streams: readonly XdfStream[];
  /**
   * Problems the reader worked around, each naming the chunk and its byte offset: a truncated
   * file, a damaged chunk, samples of a stream without a header, a missing footer.
   */
  readonly warnings: readonly string[];
}

/** Options of {@link readXdf} and {@link parseXdf}. */
export interface XdfReadOptions {
  /**
   * Largest `channel_count` accepted in a stream header. A stream that declares more is
   * skipped with a warning. Default 65 536.
   */
  readonly maxChannelCount?: number;
  /**
   * Largest file {@link readXdf} reads, in bytes. The whole file is read into memory. Numeric
   * samples and their timestamps take up to 10 times its size again (one int8 channel without
   * stored timestamps), or 16 times for a stream without channels. String streams take more,
   * because each sample becomes a JavaScript array. Default and maximum 2 GiB − 1, the most
   * Node's `readFile` returns.
   */
  readonly maxFileBytes?: number;
}
