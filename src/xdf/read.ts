/**
 * Reading XDF files, the format LabRecorder writes Lab Streaming Layer recordings in.
 */
import { readFile, stat } from "node:fs/promises";
import { XDF_MAGIC } from "./bytes.js";
import { findBoundaryEnd, readChunkFrame } from "./chunks.js";
import { XdfDecoder } from "./decoder.js";
import { DEFAULT_MAX_CHANNEL_COUNT } from "./stream-info.js";
import type { XdfFile, XdfReadOptions } from "./types.js";

/** Largest file {@link readXdf} reads: 2 GiB − 1 bytes, the most Node's `readFile` returns. */
export const MAX_XDF_FILE_BYTES = 2 ** 31 - 1;

/** Raised when data is not an XDF file at all, because it does not start with `XDF:`. */
export class XdfFormatError extends Error {
  override readonly name = "XdfFormatError";
}

/**
 * Reads an XDF file from `source`, a path or the file's bytes. The whole file is read into
 * memory, up to `options.maxFileBytes`.
 *
 * Damage does not stop the reading. Every whole chunk before a truncation is returned, and a
 * chunk with a corrupt length makes the reader resume after the next Boundary chunk. A chunk
 * whose content cannot be decoded is skipped, and when no chunk starts at the end its length
 * gives, the reader also resumes after the next Boundary chunk. Each of these adds a warning
 * that names the chunk and its byte offset. No declared size is allocated before it is
 * checked against the bytes that contain it.
 *
 * @throws XdfFormatError when the data does not start with `XDF:`.
 * @throws Error when the path does not exist or the file is larger than `maxFileBytes`.
 * @throws RangeError for an invalid option.
 */
export async function readXdf(source: string | Uint8Array, options: XdfReadOptions = {}): Promise<XdfFile> {
  const maxFileBytes = checkedOption("maxFileBytes", options.maxFileBytes, MAX_XDF_FILE_BYTES, MAX_XDF_FILE_BYTES);
  if (typeof source !== "string") {
    return decodeXdf(source, options, "the data");
  }
  const found = await stat(source).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") {
      throw new Error(`XDF file not found: ${source}`);
    }
    throw error;
  });
  if (!found.isFile()) {
    throw new Error(`${source} is not a file; pass the path of an .xdf file`);
  }
  if (found.size > maxFileBytes) {
    throw new Error(
      `${source} is ${found.size} bytes, larger than the ${maxFileBytes} bytes readXdf reads into memory; ` +
        `raise maxFileBytes (at most ${MAX_XDF_FILE_BYTES}) or split the recording`,
    );
  }
  return decodeXdf(await readFile(source), options, source);
}

/**
 * Reads an XDF file from its bytes, as {@link readXdf} does, without touching the file system.
 *
 * @throws XdfFormatError when the bytes do not start with `XDF:`.
 * @throws RangeError for an invalid option.
 */
export function parseXdf(bytes: Uint8Array, options: XdfReadOptions = {}): XdfFile {
  return decodeXdf(bytes, options, "the data");
}

function decodeXdf(bytes: Uint8Array, options: XdfReadOptions, source: string): XdfFile {
  const maxChannelCount = checkedOption("maxChannelCount", options.maxChannelCount, DEFAULT_MAX_CHANNEL_COUNT, Number.MAX_SAFE_INTEGER);
  checkMagic(bytes, source);
  const decoder = new XdfDecoder(bytes, maxChannelCount);
  let at = XDF_MAGIC.length;
  while (at < bytes.length) {
    const outcome = readChunkFrame(bytes, at);
    const step = outcome.ok ? decoder.decode(outcome.frame) : outcome;
    if ("next" in step) {
      at = step.next;
      continue;
    }
    const resumeAt = findBoundaryEnd(bytes, step.scanFrom);
    if (resumeAt === undefined) {
      decoder.warn(`${step.problem}; no Boundary chunk follows, so reading stopped at byte ${at}`);
      break;
    }
    decoder.warn(`${step.problem}; reading resumed after the next Boundary chunk, at byte ${resumeAt}`);
    at = resumeAt;
  }
  return decoder.finish();
}

function checkMagic(bytes: Uint8Array, source: string): void {
  if (bytes.length < XDF_MAGIC.length) {
    throw new XdfFormatError(
      `${source} is not an XDF file: it is ${bytes.length} bytes long, shorter than the 4-byte "XDF:" every XDF file starts with`,
    );
  }
  if (!XDF_MAGIC.every((byte, index) => bytes[index] === byte)) {
    const start = Buffer.from(bytes.subarray(0, 4)).toString("hex");
    throw new XdfFormatError(`${source} is not an XDF file: it starts with bytes ${start} instead of "XDF:" (hex 5844463a)`);
  }
}

/** Returns an option's value or its default, throwing a RangeError unless it is a whole number from 1 to `maximum`. */
function checkedOption(name: string, value: number | undefined, fallback: number, maximum: number): number {
  if (value === undefined) {
    return fallback;
  }
  if (!Number.isSafeInteger(value) || value < 1 || value > maximum) {
    throw new RangeError(`XDF read option ${name} must be a whole number from 1 to ${maximum}, received ${value}`);
  }
  return value;
}
