/**
 * The state of a reader going through an XDF file chunk by chunk: the file header, each
 * stream's header, samples, clock offsets and footer, and the warnings so far.
 */
import type { XmlElement } from "../lsl/xml.js";
import { ByteReader, chunkName, XDF_BOUNDARY_UUID, XDF_TAG, XdfChunkError } from "./bytes.js";
import { readChunkFrame, type ChunkFrame } from "./chunks.js";
import { correctTimestamps, fitClockCorrection } from "./clock.js";
import { SampleAccumulator } from "./samples.js";
import { parseXmlChunk, readStreamInfo, type XdfStreamInfo } from "./stream-info.js";
import type { XdfFile, XdfStream } from "./types.js";

/** Next move of the reader after a chunk: the offset of the next chunk, or a search for a Boundary chunk after damage. */
export type DecodeStep = { readonly next: number } | { readonly problem: string; readonly scanFrom: number };

interface StreamState {
  readonly id: number;
  readonly info: XdfStreamInfo;
  readonly header: XmlElement;
  readonly headerAt: number;
  footer: XmlElement | undefined;
  footerAt: number;
  readonly samples: SampleAccumulator;
  readonly collectionTimeS: number[];
  readonly offsetS: number[];
}

/** Chunks of one kind that were skipped for the same reason, reported in one warning. */
interface SkippedChunks {
  readonly firstAt: number;
  count: number;
}

/** Decodes the chunks of one file, in order, into streams and warnings. */
export class XdfDecoder {
  readonly #bytes: Uint8Array;
  readonly #maxChannelCount: number;
  readonly #warnings: string[] = [];
  readonly #streams = new Map<number, StreamState>();
  /** Chunks of streams without a valid StreamHeader, by `<tag>:<stream id>`. */
  readonly #orphans = new Map<string, SkippedChunks & { readonly tag: number; readonly streamId: number }>();
  readonly #unknownTags = new Map<number, SkippedChunks>();
  #header: XmlElement | undefined;
  #headerAt = 0;
  #chunkCount = 0;

  constructor(bytes: Uint8Array, maxChannelCount: number) {
    this.#bytes = bytes;
    this.#maxChannelCount = maxChannelCount;
  }

  /** Adds a warning about the file. */
  warn(message: string): void {
    this.#warnings.push(message);
  }

  /**
   * Decodes one chunk whose framing fits the file. A chunk whose content cannot be decoded is
   * skipped with a warning and changes nothing. When, in addition, no chunk starts at the end
   * its length gives, the length is taken for corrupt and the step requests a search for the
   * next Boundary chunk.
   */
  decode(frame: ChunkFrame): DecodeStep {
    const reader = new ByteReader(this.#bytes, frame.contentStart, frame.end);
    const stream = frame.streamId === undefined ? "" : ` of stream ${frame.streamId}`;
    const label = `${chunkName(frame.tag)}${stream} at byte ${frame.start}`;
    this.#chunkCount++;
    let leftover: number;
    try {
      leftover = this.#decodeContent(frame, reader, label);
    } catch (error) {
      if (!(error instanceof XdfChunkError)) {
        throw error;
      }
      if (this.#chunkStartsAt(frame.end)) {
        this.warn(`the ${label} was skipped: ${error.message}`);
        return { next: frame.end };
      }
      return {
        problem: `the ${label} was skipped: ${error.message}; no chunk starts where its length says it ends, so its length looks corrupt`,
        scanFrom: frame.contentStart,
      };
    }
    if (leftover > 0) {
      if (!this.#chunkStartsAt(frame.end)) {
        return {
          problem:
            `the ${label} has ${leftover} bytes after its last sample and no chunk starts where its length says it ends, ` +
            `so its length looks corrupt; its samples were kept`,
          scanFrom: reader.position,
        };
      }
      this.warn(`the ${label} has ${leftover} bytes after its last sample, which were ignored`);
    }
    return { next: frame.end };
  }

  /** Returns whether the file ends at `at` or a chunk with a known tag and a fitting length starts there. */
  #chunkStartsAt(at: number): boolean {
    if (at === this.#bytes.length) {
      return true;
    }
    const outcome = readChunkFrame(this.#bytes, at);
    return outcome.ok && outcome.frame.tag >= XDF_TAG.fileHeader && outcome.frame.tag <= XDF_TAG.streamFooter;
  }

  /** Decodes a chunk's content and returns the bytes a Samples chunk leaves unread, or 0. */
  #decodeContent(frame: ChunkFrame, reader: ByteReader, label: string): number {
    const streamId = frame.streamId as number;
    switch (frame.tag) {
      case XDF_TAG.fileHeader:
        this.#decodeFileHeader(frame, label);
        return 0;
      case XDF_TAG.streamHeader:
        this.#decodeStreamHeader(frame, streamId);
        return 0;
      case XDF_TAG.boundary:
        if (!sameBytes(this.#bytes.subarray(frame.contentStart, frame.end), XDF_BOUNDARY_UUID)) {
          throw new XdfChunkError("its content is not the boundary UUID");
        }
        return 0;
      default:
        break;
    }
    if (frame.tag < XDF_TAG.fileHeader || frame.tag > XDF_TAG.streamFooter) {
      countSkipped(this.#unknownTags, frame.tag, frame.start);
      return 0;
    }
    const state = this.#streams.get(streamId);
    if (state === undefined) {
      const key = `${frame.tag}:${streamId}`;
      const orphan = this.#orphans.get(key) ?? { tag: frame.tag, streamId, firstAt: frame.start, count: 0 };
      orphan.count++;
      this.#orphans.set(key, orphan);
      return 0;
    }
    if (frame.tag === XDF_TAG.samples) {
      state.samples.decodeChunk(reader);
      return reader.remaining;
    }
    if (frame.tag === XDF_TAG.clockOffset) {
      if (reader.remaining !== 16) {
        throw new XdfChunkError(`its content is ${reader.remaining} bytes, where a clock offset is 16 (two float64)`);
      }
      state.collectionTimeS.push(reader.f64("collection_time"));
      state.offsetS.push(reader.f64("offset_value"));
      return 0;
    }
    if (state.footer !== undefined) {
      throw new XdfChunkError(`the stream already has a StreamFooter at byte ${state.footerAt}`);
    }
    state.footer = parseXmlChunk(this.#bytes, frame.contentStart, frame.end);
    state.footerAt = frame.start;
    return 0;
  }

  #decodeFileHeader(frame: ChunkFrame, label: string): void {
    if (this.#header !== undefined) {
      throw new XdfChunkError(`the file already has a FileHeader at byte ${this.#headerAt}`);
    }
    this.#header = parseXmlChunk(this.#bytes, frame.contentStart, frame.end);
    this.#headerAt = frame.start;
    if (this.#chunkCount > 1) {
      this.warn(`the ${label} is not the first chunk of the file, as XDF requires; it was read anyway`);
    }
  }

  #decodeStreamHeader(frame: ChunkFrame, streamId: number): void {
    const known = this.#streams.get(streamId);
    if (known !== undefined) {
      throw new XdfChunkError(`stream ${streamId} already has a StreamHeader at byte ${known.headerAt}`);
    }
    const header = parseXmlChunk(this.#bytes, frame.contentStart, frame.end);
    const info = readStreamInfo(header, this.#maxChannelCount);
    this.#streams.set(streamId, {
      id: streamId,
      info,
      header,
      headerAt: frame.start,
      footer: undefined,
      footerAt: 0,
      samples: new SampleAccumulator(info.channelFormat, info.channelCount, info.nominalSrateHz),
      collectionTimeS: [],
      offsetS: [],
    });
  }

  /** Returns the file as read, adding the warnings about skipped chunks and missing parts. */
  finish(): XdfFile {
    if (this.#header === undefined) {
      this.warn("the file has no FileHeader chunk");
    }
    if (this.#streams.size === 0) {
      this.warn("the file has no valid StreamHeader chunk, so it contains no streams");
    }
    for (const orphan of this.#orphans.values()) {
      const them = orphan.count === 1 ? "it" : "them";
      this.warn(
        `skipped ${skippedCount(orphan.count, chunkName(orphan.tag))} of stream ${orphan.streamId}, the first at byte ` +
          `${orphan.firstAt}, because no valid StreamHeader of stream ${orphan.streamId} comes before ${them}`,
      );
    }
    for (const [tag, skipped] of this.#unknownTags) {
      this.warn(`skipped ${skippedCount(skipped.count, chunkName(tag))}, the first at byte ${skipped.firstAt}`);
    }
    const streams = [...this.#streams.values()].map((state) => this.#finishStream(state));
    return { header: this.#header, streams, warnings: this.#warnings };
  }

  #finishStream(state: StreamState): XdfStream {
    const { id, info } = state;
    const named = `stream ${id} (${JSON.stringify(info.name)})`;
    if (state.footer === undefined) {
      this.warn(`${named} has no StreamFooter, so the recording may have been cut short`);
    }
    if (state.samples.oddTimestampSizes > 0) {
      this.warn(
        `${state.samples.oddTimestampSizes} samples of ${named} have a timestamp size other than 0 or 8; ` +
          `they were read with 8-byte timestamps`,
      );
    }
    const collectionTimeS: number[] = [];
    const offsetS: number[] = [];
    state.collectionTimeS.forEach((timeS, index) => {
      const valueS = state.offsetS[index] as number;
      if (Number.isFinite(timeS) && Number.isFinite(valueS)) {
        collectionTimeS.push(timeS);
        offsetS.push(valueS);
      }
    });
    const dropped = state.collectionTimeS.length - collectionTimeS.length;
    if (dropped > 0) {
      this.warn(`${dropped} clock offsets of ${named} are not finite numbers and were left out of the clock correction`);
    }
    const clockOffsets = { collectionTimeS, offsetS };
    const clockCorrection = fitClockCorrection(clockOffsets);
    const decoded = state.samples.finish();
    const fields = {
      id,
      name: info.name,
      type: info.type,
      channelCount: info.channelCount,
      nominalSrateHz: info.nominalSrateHz,
      sourceId: info.sourceId,
      channelLabels: info.channelLabels,
      header: state.header,
      footer: state.footer,
      clockOffsets,
      clockCorrection,
      nSamples: decoded.nSamples,
      timestamps: decoded.timestamps,
      correctedTimestamps: correctTimestamps(decoded.timestamps, clockCorrection),
    };
    if (decoded.kind === "string") {
      return { ...fields, channelFormat: "string", values: decoded.values };
    }
    return { ...fields, channelFormat: info.channelFormat as Exclude<typeof info.channelFormat, "string">, values: decoded.values };
  }
}

function countSkipped(skipped: Map<number, SkippedChunks>, key: number, at: number): void {
  const entry = skipped.get(key) ?? { firstAt: at, count: 0 };
  entry.count++;
  skipped.set(key, entry);
}

/** Returns `1 Samples chunk` or `3 Samples chunks`. */
function skippedCount(count: number, name: string): string {
  return count === 1 ? `1 ${name}` : `${count} ${name.replace(/chunk/, "chunks")}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
