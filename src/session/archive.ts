import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import yauzl from "yauzl";
import type { Entry, ZipFile } from "yauzl";
import yazl from "yazl";
import { crc32 } from "node:zlib";
import { RecoveredStore } from "./archive-recovery.js";
import { FolderStore, unsafePathReason, type SessionStore } from "./store.js";

/**
 * Session archives: `.session.zip` files read with random access, and written from a session
 * folder with stored (uncompressed) entries, since chunks are already compressed or are noisy
 * floats that deflate barely shrinks.
 */

/** Largest uncompressed size an archive entry may declare, in bytes (1 GiB). */
export const ARCHIVE_MAX_ENTRY_BYTES = 2 ** 30;

const ZIP_METHOD_STORED = 0;
const ZIP_METHOD_DEFLATED = 8;
const ZIP_FLAG_UTF8 = 0x800;

function decodeEntryName(entry: Entry): string {
  const raw = entry.fileName as unknown as Buffer;
  // The zip format reads names without the UTF-8 flag as CP437. Session names are ASCII, which
  // reads the same in both. Other bytes are decoded as UTF-8, which most current tools write.
  const utf8 =
    (entry.generalPurposeBitFlag & ZIP_FLAG_UTF8) !== 0 || raw.every((byte) => byte < 0x80);
  return utf8 ? raw.toString("utf8") : new TextDecoder("utf-8").decode(raw);
}

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      path,
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true },
      (error, zipFile) => (error ? reject(error) : resolve(zipFile)),
    );
  });
}

function readCentralDirectory(zipFile: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zipFile.on("entry", (entry: Entry) => {
      entries.push(entry);
      zipFile.readEntry();
    });
    zipFile.once("end", () => resolve(entries));
    zipFile.once("error", reject);
    zipFile.readEntry();
  });
}

/**
 * A `.session.zip` archive. Opening reads the central directory only; each {@link read}
 * then decompresses one entry. Entries whose names could escape a folder when extracted
 * (`..`, absolute paths, backslashes), duplicate names, encrypted entries, compression other
 * than stored or deflate, and declared sizes over {@link ARCHIVE_MAX_ENTRY_BYTES} make
 * {@link ArchiveStore.open} fail with an error naming the archive and the entry.
 */
export class ArchiveStore implements SessionStore {
  readonly path: string;
  readonly #zipFile: ZipFile;
  readonly #entries: Map<string, Entry>;

  private constructor(path: string, zipFile: ZipFile, entries: Map<string, Entry>) {
    this.path = path;
    this.#zipFile = zipFile;
    this.#entries = entries;
  }

  /** Opens an archive and checks every entry of its central directory. */
  static async open(path: string): Promise<SessionStore> {
    let zipFile: ZipFile;
    try {
      zipFile = await openZip(path);
    } catch (error) {
      return RecoveredStore.open(path, `not a readable zip archive: ${(error as Error).message}`, ARCHIVE_MAX_ENTRY_BYTES).catch(() => {
        throw new Error(
          `${path}: not a readable zip archive (${(error as Error).message}). Give a .session.zip written by a recording, or a session folder.`,
        );
      });
    }
    try {
      const entries = new Map<string, Entry>();
      for (const entry of await readCentralDirectory(zipFile)) {
        const name = decodeEntryName(entry);
        const problem = ArchiveStore.#entryProblem(entry, name);
        if (problem !== undefined) {
          throw new Error(
            `${path}: entry ${JSON.stringify(name)} ${problem}. The archive is damaged or was not written as a session; it was not read.`,
          );
        }
        if (name.endsWith("/")) {
          continue;
        }
        if (entries.has(name)) {
          throw new Error(
            `${path}: entry ${JSON.stringify(name)} appears twice. The archive is damaged or was not written as a session; it was not read.`,
          );
        }
        entries.set(name, entry);
      }
      return new ArchiveStore(path, zipFile, entries);
    } catch (error) {
      zipFile.close();
      if ((error as Error).message.startsWith(path)) {
        throw error;
      }
      const reason = `invalid zip central directory: ${(error as Error).message}`;
      return RecoveredStore.open(path, reason, ARCHIVE_MAX_ENTRY_BYTES).catch(() => {
        throw new Error(`${path}: ${reason}. The archive is damaged.`);
      });
    }
  }

  static #entryProblem(entry: Entry, name: string): string | undefined {
    const unsafe = unsafePathReason(name.endsWith("/") ? name.slice(0, -1) : name);
    if (unsafe !== undefined) {
      return unsafe;
    }
    if (entry.isEncrypted()) {
      return "is encrypted, which sessions never are";
    }
    if (
      entry.compressionMethod !== ZIP_METHOD_STORED &&
      entry.compressionMethod !== ZIP_METHOD_DEFLATED
    ) {
      return `uses compression method ${entry.compressionMethod}; only stored (0) and deflate (8) are supported`;
    }
    if (entry.uncompressedSize > ARCHIVE_MAX_ENTRY_BYTES) {
      return `declares ${entry.uncompressedSize} bytes, more than the limit of ${ARCHIVE_MAX_ENTRY_BYTES}`;
    }
    return undefined;
  }

  async list(): Promise<string[]> {
    return [...this.#entries.keys()].sort();
  }

  async read(relativePath: string): Promise<Uint8Array | undefined> {
    const entry = this.#entries.get(relativePath);
    if (entry === undefined) {
      return undefined;
    }
    const size = entry.uncompressedSize;
    try {
      const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
        this.#zipFile.openReadStream(entry, (error, readStream) =>
          error ? reject(error) : resolve(readStream),
        );
      });
      const output = Buffer.allocUnsafe(size);
      let length = 0;
      for await (const piece of stream as AsyncIterable<Buffer>) {
        // yauzl already fails a stream that passes its declared size, and this check keeps the
        // copy in bounds whatever yauzl does.
        if (length + piece.length > size) {
          throw new Error(`more data than the declared ${size} bytes`);
        }
        piece.copy(output, length);
        length += piece.length;
      }
      if (length !== size) {
        throw new Error(`${length} bytes instead of the declared ${size}`);
      }
      const crc = crc32(output) >>> 0;
      if (crc !== entry.crc32 >>> 0) {
        throw new Error(`CRC-32 ${hex(crc)} does not match the recorded ${hex(entry.crc32)}`);
      }
      return output;
    } catch (error) {
      throw new Error(
        `${this.locate(relativePath)}: failed to read the archive entry (${(error as Error).message}). The archive is damaged.`,
      );
    }
  }

  locate(relativePath: string): string {
    return `${this.path}:${relativePath}`;
  }

  async close(): Promise<void> {
    this.#zipFile.close();
  }
}

/** Opens a session folder or archive, whichever `path` is. */
export async function openSessionStore(path: string): Promise<SessionStore> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(
        `${path}: no such session folder or archive. Give the path of a session folder or of a .session.zip file.`,
      );
    }
    if ((error as NodeJS.ErrnoException).code !== "EISDIR") {
      throw error;
    }
    return new FolderStore(path);
  }
  const isFolder = (await handle.stat()).isDirectory();
  await handle.close();
  return isFolder ? new FolderStore(path) : ArchiveStore.open(path);
}

/**
 * Packs every file of `folder` into a zip archive at `archivePath`, with stored entries named
 * by their paths relative to the folder (with `/` separators). The metadata comes first and the
 * chunks follow in time order, so a copy cut short still contains the start of every stream. The archive is written to
 * `<archivePath>.tmp-<random>`, flushed to disk (fsync) and then renamed into place, so
 * `archivePath` is either absent, the previous file, or the complete new archive.
 */
export async function packFolder(folder: string, archivePath: string): Promise<void> {
  const files = await recoveryOrder(new FolderStore(folder), await new FolderStore(folder).list());
  const temporaryPath = `${archivePath}.tmp-${randomBytes(6).toString("hex")}`;
  const zip = new yazl.ZipFile();
  for (const relative of files) {
    zip.addFile(new FolderStore(folder).locate(relative), relative, { compress: false });
  }
  zip.end();

  const handle = await open(temporaryPath, "wx");
  try {
    for await (const piece of zip.outputStream as AsyncIterable<Buffer>) {
      await handle.write(piece);
    }
    await handle.sync();
    await handle.close();
    await rename(temporaryPath, archivePath);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temporaryPath).catch(() => undefined);
    throw new Error(
      `Failed to pack ${folder} into ${archivePath}: ${(error as Error).message}. The session folder was left as it is.`,
    );
  }
}

/**
 * Orders a session's files for packing: `meta.json`, then every other JSON file (array metadata,
 * labels, markers), then the chunks by the first sample they hold, streams interleaved.
 */
async function recoveryOrder(store: FolderStore, files: readonly string[]): Promise<string[]> {
  const chunkRows = new Map<string, number>();
  for (const file of files.filter((path) => path.endsWith(".zarr/zarr.json"))) {
    const bytes = await store.read(file);
    try {
      const metadata = JSON.parse(new TextDecoder().decode(bytes)) as { chunk_grid?: { configuration?: { chunk_shape?: number[] } } };
      chunkRows.set(file.slice(0, -"/zarr.json".length), metadata.chunk_grid?.configuration?.chunk_shape?.[0] ?? 1);
    } catch {
      // An unreadable array keeps its chunks in name order, after the others.
    }
  }
  const firstRow = (path: string): number => {
    const match = /^(.*\.zarr)\/c\/(\d+)(?:\/|$)/.exec(path);
    if (match === null) {
      return Number.POSITIVE_INFINITY;
    }
    return Number(match[2]) * (chunkRows.get(match[1] as string) ?? Number.POSITIVE_INFINITY);
  };
  const rank = (path: string): number => (path === "meta.json" ? 0 : path.endsWith(".json") ? 1 : 2);
  const byName = (a: string, b: string): number => {
    if (a === b) {
      return 0;
    }
    return a < b ? -1 : 1;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || firstRow(a) - firstRow(b) || byName(a, b));
}

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, "0")}`;
}
