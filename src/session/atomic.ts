import { rename, unlink, writeFile } from "node:fs/promises";

let temporaryCounter = 0;

/**
 * Writes `data` to `<path>.tmp-<pid>-<n>` and renames it onto `path`, so a reader, or the
 * folder left by a killed process, reads either the old file or the complete new one. There is
 * no fsync: the guarantee covers a killed process, not a power cut. On failure the temporary
 * file is removed and the error is rethrown.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temporaryPath = `${path}.tmp-${process.pid}-${temporaryCounter++}`;
  try {
    await writeFile(temporaryPath, data);
    await rename(temporaryPath, path);
  } catch (error) {
    await unlink(temporaryPath).catch(() => undefined);
    throw error;
  }
}
