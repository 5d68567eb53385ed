/**
 * Reading what is whole in a session archive that was cut short or whose central directory is
 * damaged: the entries are found by walking their local headers from the start of the file,
 * each one checked against its CRC-32, up to the first one that is incomplete.
 */

import { readFile, stat } from "node:fs/promises";
import { crc32, inflateRawSync } from "node:zlib";
import { unsafePathReason, type SessionStore } from "./store.js";

/** Largest archive read into memory for recovery, in bytes (Node reads at most this much at once). */
export const RECOVERY_MAX_FILE_BYTES = 2 ** 31 - 1;

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const DATA_DESCRIPTOR = 0x08074b50;
const FLAG_DATA_DESCRIPTOR = 0x8;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;

/** The entries found whole, and where and why the walk stopped. */
export interface RecoveredArchive {
  readonly entries: ReadonlyMap<string, Uint8Array>;
  /** Byte offset where the walk stopped. */
  readonly stoppedAtByte: number;
  /** Reason the walk stopped before the central directory, or undefined when it reached it. */
  readonly problem: string | undefined;
}

/**
 * Walks the local headers of zip bytes and returns every whole entry before the first damaged
 * or incomplete one. Entry data that fails its CRC-32, declares more than `maxEntryBytes`, or
 * has a name that could escape a folder ends the walk.
 */
export function recoverZipEntries(bytes: Uint8Array, maxEntryBytes: number): RecoveredArchive {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = new Map<string, Uint8Array>();
  let offset = 0;
  const stop = (problem: string | undefined): RecoveredArchive => ({ entries, stoppedAtByte: offset, problem });
  while (offset + 4 <= bytes.length) {
    const signature = view.getUint32(offset, true);
    if (signature === CENTRAL_HEADER) {
      return stop(undefined);
    }
    if (signature !== LOCAL_HEADER) {
      return stop("no entry header where one should start");
    }
    if (offset + 30 > bytes.length) {
      return stop("the file ends inside an entry header");
    }
    const flags = view.getUint16(offset + 6, true);
    const method = view.getUint16(offset + 8, true);
    const nameLength = view.getUint16(offset + 26, true);
    const extraLength = view.getUint16(offset + 28, true);
    const dataStart = offset + 30 + nameLength + extraLength;
    if (dataStart > bytes.length) {
      return stop("the file ends inside an entry header");
    }
    const name = new TextDecoder().decode(bytes.subarray(offset + 30, offset + 30 + nameLength));
    const unsafe = unsafePathReason(name.endsWith("/") ? name.slice(0, -1) : name);
    if (unsafe !== undefined) {
      return stop(`entry ${JSON.stringify(name)} ${unsafe}`);
    }
    if (method !== METHOD_STORED && method !== METHOD_DEFLATED) {
      return stop(`entry ${JSON.stringify(name)} uses compression method ${method}`);
    }
    let found: { data: Uint8Array; next: number } | undefined;
    if ((flags & FLAG_DATA_DESCRIPTOR) === 0) {
      const crc = view.getUint32(offset + 14, true);
      const size = view.getUint32(offset + 18, true);
      const declared = view.getUint32(offset + 22, true);
      if (dataStart + size <= bytes.length && declared <= maxEntryBytes) {
        found = checkedData(bytes.subarray(dataStart, dataStart + size), method, crc, declared, dataStart + size);
      }
    } else {
      found = findDescribedData(bytes, view, dataStart, method, maxEntryBytes);
    }
    if (found === undefined) {
      return stop(`entry ${JSON.stringify(name)} is cut short or damaged`);
    }
    if (!name.endsWith("/")) {
      if (entries.has(name)) {
        return stop(`entry ${JSON.stringify(name)} appears twice`);
      }
      entries.set(name, found.data);
    }
    offset = found.next;
  }
  return stop("the file ends before its central directory");
}

/** Finds the data descriptor that closes an entry: its size and CRC-32 must match the data before it. */
function findDescribedData(bytes: Uint8Array, view: DataView, dataStart: number, method: number, maxEntryBytes: number): { data: Uint8Array; next: number } | undefined {
  const signature = Buffer.from([0x50, 0x4b, 0x07, 0x08]);
  let at = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(signature, dataStart);
  while (at >= 0 && at + 16 <= bytes.length) {
    const crc = view.getUint32(at + 4, true);
    const size = view.getUint32(at + 8, true);
    const declared = view.getUint32(at + 12, true);
    if (view.getUint32(at, true) === DATA_DESCRIPTOR && size === at - dataStart && declared <= maxEntryBytes) {
      const checked = checkedData(bytes.subarray(dataStart, at), method, crc, declared, at + 16);
      if (checked !== undefined) {
        return checked;
      }
    }
    at = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(signature, at + 1);
  }
  return undefined;
}

/** Returns the entry's data when it decompresses to `declared` bytes whose CRC-32 is `crc`. */
function checkedData(raw: Uint8Array, method: number, crc: number, declared: number, next: number): { data: Uint8Array; next: number } | undefined {
  let data: Uint8Array = raw;
  if (method === METHOD_DEFLATED) {
    try {
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, declared) });
    } catch {
      return undefined;
    }
  }
  if (data.length !== declared || crc32(data) >>> 0 !== crc >>> 0) {
    return undefined;
  }
  return { data, next };
}

/** A session store over the entries recovered from a damaged archive. */
export class RecoveredStore implements SessionStore {
  readonly path: string;
  readonly warnings: readonly string[];
  readonly #entries: ReadonlyMap<string, Uint8Array>;

  private constructor(path: string, recovered: RecoveredArchive, reason: string) {
    this.path = path;
    this.#entries = recovered.entries;
    const why = recovered.problem ?? "its central directory is missing";
    this.warnings = [
      `${path} could not be read as a whole (${reason}): ${why} at byte ${recovered.stoppedAtByte}, ` +
        `so only the ${recovered.entries.size} entries before it were read.`,
    ];
  }

  /**
   * Reads an archive whose central directory could not be read (`reason` gives the cause) and returns
   * a store of its whole entries, or throws when none is whole or the file is too large.
   */
  static async open(path: string, reason: string, maxEntryBytes: number): Promise<RecoveredStore> {
    const size = (await stat(path)).size;
    if (size > RECOVERY_MAX_FILE_BYTES) {
      throw new Error(`${path}: ${reason}, and at ${size} bytes it is too large to recover entry by entry`);
    }
    const recovered = recoverZipEntries(await readFile(path), maxEntryBytes);
    if (recovered.entries.size === 0) {
      throw new Error(`${path}: ${reason}, and no whole entry was found at its start`);
    }
    return new RecoveredStore(path, recovered, reason);
  }

  async list(): Promise<string[]> {
    return [...this.#entries.keys()].sort();
  }

  async read(relativePath: string): Promise<Uint8Array | undefined> {
    const unsafe = unsafePathReason(relativePath);
    if (unsafe !== undefined) {
      throw new TypeError(`${JSON.stringify(relativePath)} ${unsafe}`);
    }
    return this.#entries.get(relativePath);
  }

  locate(relativePath: string): string {
    return `${this.path}:${relativePath}`;
  }

  async close(): Promise<void> {}
}
