import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Read-only access to the files of a session, whether they lie in a folder or in a
 * `.session.zip` archive. Paths are relative, with `/` separators, as in a zip archive.
 */
export interface SessionStore {
  /** The folder or archive path the store was opened on. */
  readonly path: string;
  /** Relative paths of every file, sorted. */
  list(): Promise<string[]>;
  /** Contents of a file, or `undefined` when there is no such file. */
  read(relativePath: string): Promise<Uint8Array | undefined>;
  /** Full name of a file for messages, such as `/data/s1.session.zip:meta.json`. */
  locate(relativePath: string): string;
  /** Releases the open file, if any; later reads fail. */
  close(): Promise<void>;
  /** Problems met while opening that left part of the data readable, such as a cut archive. */
  readonly warnings?: readonly string[];
}

/**
 * Returns why `relativePath` is unsafe to resolve inside a store, or `undefined` when it is a
 * plain relative path: no `..` or empty segments, not absolute, no backslashes or NUL bytes.
 */
export function unsafePathReason(relativePath: string): string | undefined {
  if (relativePath.length === 0) {
    return "is empty";
  }
  if (relativePath.includes("\\")) {
    return "contains a backslash";
  }
  if (relativePath.includes("\u0000")) {
    return "contains a NUL character";
  }
  if (relativePath.startsWith("/") || /^[A-Za-z]:/.test(relativePath)) {
    return "is an absolute path";
  }
  const segments = relativePath.split("/");
  if (segments.includes("..")) {
    return 'contains a ".." segment that leaves the session';
  }
  if (segments.some((segment, index) => segment === "" && index < segments.length - 1)) {
    return "contains an empty segment";
  }
  return undefined;
}

/** Throws a TypeError when `relativePath` is unsafe (see {@link unsafePathReason}). */
export function checkRelativePath(relativePath: string): void {
  const reason = unsafePathReason(relativePath);
  if (reason !== undefined) {
    throw new TypeError(
      `path ${JSON.stringify(relativePath)} ${reason}; give a path relative to the session`,
    );
  }
}

async function listFiles(root: string, prefix: string, into: string[]): Promise<void> {
  const entries = await readdir(join(root, prefix), { withFileTypes: true });
  for (const entry of entries) {
    const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      await listFiles(root, relative, into);
    } else if (entry.isFile()) {
      into.push(relative);
    }
  }
}

/** A session folder on disk, read file by file. */
export class FolderStore implements SessionStore {
  readonly path: string;

  constructor(folder: string) {
    this.path = folder;
  }

  async list(): Promise<string[]> {
    const files: string[] = [];
    await listFiles(this.path, "", files);
    return files.sort();
  }

  async read(relativePath: string): Promise<Uint8Array | undefined> {
    checkRelativePath(relativePath);
    try {
      return await readFile(join(this.path, ...relativePath.split("/")));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") {
        return undefined;
      }
      throw error;
    }
  }

  locate(relativePath: string): string {
    return join(this.path, ...relativePath.split("/"));
  }

  async close(): Promise<void> {}
}
