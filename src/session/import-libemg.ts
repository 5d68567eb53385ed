import { rm, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { listLibemgDataset, readLibemgCsv } from "./libemg.js";
import { SessionWriter } from "./writer.js";

/** Options of {@link importLibemgDataset}. */
export interface ImportLibemgOptions {
  /** Sample rate of the CSV rows in Hz; LibEMG's files do not store it. */
  readonly sampleRateHz: number;
  /** Folder that receives one `.session.zip` per CSV file. */
  readonly out: string;
  /** Called after each file with the number done, the total and the file just imported. */
  readonly onProgress?: (done: number, total: number, file: string) => void;
}

/** Summary of an import: the archives written and their classes. */
export interface ImportLibemgResult {
  readonly archives: readonly string[];
  readonly classNames: readonly string[];
  readonly totalSamples: number;
}

/**
 * Imports a LibEMG-layout data set: each `R_<rep>_C_<class>.csv` becomes one session with a
 * stream `emg` holding the rows as float32 samples, timestamps `k / sampleRateHz` from 0, and
 * one label of the file's class at the first sample. Sessions are named after the file's path
 * inside the data set, for example `trial_1_R_0_C_2`. The import is all or nothing: it fails
 * before writing when a session name is taken, and removes what it wrote when a file fails.
 */
export async function importLibemgDataset(dir: string, options: ImportLibemgOptions): Promise<ImportLibemgResult> {
  if (!(Number.isFinite(options.sampleRateHz) && options.sampleRateHz > 0)) {
    throw new RangeError(`sampleRateHz must be a number above 0, received ${options.sampleRateHz}`);
  }
  const dataset = await listLibemgDataset(dir);
  if (dataset.files.length === 0) {
    throw new Error(`no R_<rep>_C_<class>.csv files found in ${dir}; point at the folder of a LibEMG data set`);
  }
  const names = dataset.files.map((file) => sessionNameFor(dir, file.path));
  await checkNamesFree(names, options.out);
  const archives: string[] = [];
  let totalSamples = 0;
  try {
    for (const [index, file] of dataset.files.entries()) {
      const csv = await readLibemgCsv(file.path);
      const writer = await SessionWriter.create({
        folder: options.out,
        appName: "LibEMG import",
        name: names[index] as string,
        classNames: [...dataset.classNames],
        streams: [{ name: "emg", kind: "numeric", nChannels: csv.nChannels, sampleRateHz: options.sampleRateHz }],
      });
      const timestamps = new Float64Array(csv.nSamples);
      for (let i = 0; i < csv.nSamples; i++) {
        timestamps[i] = i / options.sampleRateHz;
      }
      writer.addLabel(0, file.classIndex);
      writer.append("emg", csv.samples, timestamps, csv.nSamples);
      const closed = await writer.close();
      archives.push(closed.archivePath);
      totalSamples += csv.nSamples;
      options.onProgress?.(index + 1, dataset.files.length, file.path);
    }
  } catch (error) {
    // An import is all or nothing, so a fixed data set can be imported again into the same folder.
    await Promise.all(archives.map((archive) => rm(archive, { force: true })));
    const removed = archives.length === 0 ? "" : `; the ${archives.length} sessions imported before it were removed`;
    throw new Error(`${(error as Error).message}${removed}`, { cause: error });
  }
  return { archives, classNames: dataset.classNames, totalSamples };
}

function sessionNameFor(dir: string, path: string): string {
  return relative(dir, path).replace(/\.csv$/i, "").split(sep).join("_");
}

/**
 * Throws before anything is written when two files would get the same session name, or when a
 * session of that name is already in `out`, so an import never adds numbered duplicates.
 */
async function checkNamesFree(names: readonly string[], out: string): Promise<void> {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new Error(`two files of the data set map to the session name ${name}; rename one of them`);
    }
    seen.add(name);
  }
  for (const name of names) {
    for (const candidate of [join(out, `${name}.session.zip`), join(out, name)]) {
      const found = await stat(candidate).catch(() => undefined);
      if (found !== undefined) {
        throw new Error(`${candidate} already exists; import into an empty --out folder or remove it`);
      }
    }
  }
}
