/**
 * Reading data sets laid out as LibEMG publishes them: folders, possibly nested (`trial_1/`,
 * `trial_2/`, …), of `R_<rep>_C_<class>.csv` files, one per repetition of a class, with no header,
 * one sample per row and one channel per column. A `metadata.json` beside the files, as LibEMG's
 * screen-guided training writes it, maps each file to its class name.
 */
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import { CsvFormatError, parseNumericCsv, type NumericCsv } from "./csv.js";

/** One `R_<rep>_C_<class>.csv` file of a data set. */
export interface LibemgFile {
  /** Path of the file: the data set folder joined with {@link LibemgFile.relativePath}. */
  readonly path: string;
  /** Path inside the data set folder, with `/` separators, such as `trial_1/R_0_C_2.csv`. */
  readonly relativePath: string;
  /** Repetition number, from `R_<rep>`. */
  readonly rep: number;
  /** Class index, from `C_<class>`. */
  readonly classIndex: number;
  /** Trial number of the nearest enclosing folder named `trial_<n>`, when there is one. */
  readonly trial?: number;
}

/** The files and class names of a LibEMG-layout data set. */
export interface LibemgDataset {
  /** The folder given to {@link listLibemgDataset}. */
  readonly dir: string;
  /** The data files in natural order of their relative paths, folder by folder, so `R_10` sorts after `R_2`. */
  readonly files: readonly LibemgFile[];
  /**
   * Class names by class index, from the `metadata.json` files. An index used by a file but
   * named in no metadata gets the name `class_<index>`.
   */
  readonly classNames: readonly string[];
  /** The `metadata.json` files read, in natural order. */
  readonly metadataFiles: readonly string[];
}

const DATA_FILE_PATTERN = /^R_(\d+)_C_(\d+)\.csv$/i;
const TRIAL_FOLDER_PATTERN = /^trial_(\d+)$/i;
const METADATA_NAME = "metadata.json";

/**
 * Returns the repetition and class index encoded in a LibEMG file name such as `R_1_C_3.csv`,
 * or `undefined` for any other name.
 */
export function parseLibemgFileName(fileName: string): { rep: number; classIndex: number } | undefined {
  const match = DATA_FILE_PATTERN.exec(fileName);
  if (match === null) {
    return undefined;
  }
  return { rep: Number(match[1]), classIndex: Number(match[2]) };
}

/**
 * Compares two names in natural order: runs of digits compare by numeric value and other text
 * by UTF-16 code unit, so `R_2` sorts before `R_10` and `trial_9` before `trial_10`. Equal
 * numbers with different zero padding order the shorter run first.
 */
export function compareNatural(a: string, b: string): number {
  const tokensA = a.match(/\d+|\D+/g) ?? [];
  const tokensB = b.match(/\d+|\D+/g) ?? [];
  const shared = Math.min(tokensA.length, tokensB.length);
  for (let i = 0; i < shared; i++) {
    const tokenA = tokensA[i] as string;
    const tokenB = tokensB[i] as string;
    if (tokenA === tokenB) {
      continue;
    }
    const isNumberA = /^\d/.test(tokenA);
    const isNumberB = /^\d/.test(tokenB);
    if (isNumberA && isNumberB) {
      const order = compareDigitRuns(tokenA, tokenB);
      if (order !== 0) {
        return order;
      }
      return tokenA.length - tokenB.length;
    }
    return tokenA < tokenB ? -1 : 1;
  }
  return tokensA.length - tokensB.length;
}

/**
 * Compares two relative paths (with `/` separators) folder by folder in natural order, so every
 * file of `trial_2/` comes before any file of `trial_10/`.
 */
export function compareNaturalPaths(a: string, b: string): number {
  const partsA = a.split("/");
  const partsB = b.split("/");
  const shared = Math.min(partsA.length, partsB.length);
  for (let i = 0; i < shared; i++) {
    const order = compareNatural(partsA[i] as string, partsB[i] as string);
    if (order !== 0) {
      return order;
    }
  }
  return partsA.length - partsB.length;
}

/**
 * Lists the `R_<rep>_C_<class>.csv` files under `dir`, at any depth, and reads the class names
 * from every `metadata.json` found there. Other files are ignored, as are names starting with a
 * dot. Files come in natural order of their paths relative to `dir`: folder by folder, with runs
 * of digits compared as numbers, so `trial_1/R_0_C_0.csv`, `trial_1/R_0_C_1.csv`, …,
 * `trial_1/R_1_C_4.csv`, `trial_2/R_0_C_0.csv`, and `R_10` after `R_2`.
 *
 * @throws Error when `dir` is missing or not a folder, when a `metadata.json` is not valid JSON
 *   or gives a class entry of the wrong types, or when two metadata files name one class
 *   differently. An empty list is not an error.
 */
export async function listLibemgDataset(dir: string): Promise<LibemgDataset> {
  const found = await statOrUndefined(dir);
  if (found === undefined) {
    throw new Error(`LibEMG data set folder not found: ${dir}`);
  }
  if (!found.isDirectory()) {
    throw new Error(
      `LibEMG data set path is not a folder: ${dir}; pass the folder that contains the CSV files`,
    );
  }

  const dataPaths: string[] = [];
  const metadataPaths: string[] = [];
  await walk(dir, new Set([await realpath(dir)]), dataPaths, metadataPaths);

  const files: LibemgFile[] = dataPaths.map((path) => describeFile(dir, path));
  files.sort((a, b) => compareNaturalPaths(a.relativePath, b.relativePath));
  metadataPaths.sort((a, b) => compareNaturalPaths(toSlashes(relative(dir, a)), toSlashes(relative(dir, b))));

  const namesByIndex = new Map<number, { name: string; source: string }>();
  for (const path of metadataPaths) {
    await readMetadataClassNames(path, namesByIndex);
  }
  let classCount = 0;
  for (const file of files) {
    classCount = Math.max(classCount, file.classIndex + 1);
  }
  for (const index of namesByIndex.keys()) {
    classCount = Math.max(classCount, index + 1);
  }
  const classNames = Array.from(
    { length: classCount },
    (_, index) => namesByIndex.get(index)?.name ?? `class_${index}`,
  );

  return { dir, files, classNames, metadataFiles: metadataPaths };
}

/**
 * Reads one LibEMG CSV file into float32 values (see {@link parseNumericCsv} for the accepted
 * syntax).
 *
 * @throws Error naming the path when the file cannot be read, and {@link CsvFormatError} naming
 *   the path, the line and the fault when its content is malformed.
 */
export async function readLibemgCsv(path: string): Promise<NumericCsv> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new Error(`CSV file not found: ${path}`);
    }
    if (code === "EISDIR") {
      throw new Error(`CSV path is a folder, not a file: ${path}`);
    }
    throw new Error(`reading CSV file ${path} failed: ${(error as Error).message}`);
  }
  return parseNumericCsv(text, path);
}

export { CsvFormatError };

async function walk(
  folder: string,
  visited: Set<string>,
  dataPaths: string[],
  metadataPaths: string[],
): Promise<void> {
  const entries = await readdir(folder, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith(".")) {
      continue;
    }
    const path = join(folder, entry.name);
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await statOrUndefined(path);
      isDirectory = target?.isDirectory() ?? false;
      isFile = target?.isFile() ?? false;
    }
    if (isDirectory) {
      // Following a link back up the tree would never end.
      const real = await realpath(path);
      if (!visited.has(real)) {
        visited.add(real);
        await walk(path, visited, dataPaths, metadataPaths);
      }
    } else if (isFile && DATA_FILE_PATTERN.test(entry.name)) {
      dataPaths.push(path);
    } else if (isFile && entry.name === METADATA_NAME) {
      metadataPaths.push(path);
    }
  }
}

function describeFile(dir: string, path: string): LibemgFile {
  const relativePath = toSlashes(relative(dir, path));
  const parsed = parseLibemgFileName(basename(path)) as { rep: number; classIndex: number };
  const folders = relativePath.split("/").slice(0, -1);
  let trial: number | undefined;
  for (let i = folders.length - 1; i >= 0 && trial === undefined; i--) {
    const match = TRIAL_FOLDER_PATTERN.exec(folders[i] as string);
    if (match !== null) {
      trial = Number(match[1]);
    }
  }
  return trial === undefined
    ? { path, relativePath, rep: parsed.rep, classIndex: parsed.classIndex }
    : { path, relativePath, rep: parsed.rep, classIndex: parsed.classIndex, trial };
}

/**
 * Adds the class names of one `metadata.json` to `namesByIndex`. LibEMG writes one entry per
 * recorded file, keyed by the file's path, with `class_idx` and `class_name`. Keys whose values
 * are not objects (`continuous`, `randomize`, `gifs`) are settings and are skipped.
 */
async function readMetadataClassNames(
  path: string,
  namesByIndex: Map<number, { name: string; source: string }>,
): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new Error(`LibEMG metadata ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`LibEMG metadata ${path} must be a JSON object of file entries`);
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== "object" || value === null || !("class_idx" in value || "class_name" in value)) {
      continue;
    }
    const { class_idx: index, class_name: name } = value as { class_idx?: unknown; class_name?: unknown };
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || typeof name !== "string") {
      throw new Error(
        `LibEMG metadata ${path}, entry ${JSON.stringify(key)}: expected class_idx to be an integer of 0 or more ` +
          `and class_name a string, found ${JSON.stringify(index)} and ${JSON.stringify(name)}`,
      );
    }
    const known = namesByIndex.get(index);
    if (known === undefined) {
      namesByIndex.set(index, { name, source: path });
    } else if (known.name !== name) {
      throw new Error(
        `LibEMG metadata disagrees on class ${index}: ${JSON.stringify(known.name)} in ${known.source}, ` +
          `${JSON.stringify(name)} in ${path} (entry ${JSON.stringify(key)})`,
      );
    }
  }
}

async function statOrUndefined(path: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return undefined;
    }
    throw error;
  }
}

function compareDigitRuns(a: string, b: string): number {
  const trimmedA = a.replace(/^0+(?=\d)/, "");
  const trimmedB = b.replace(/^0+(?=\d)/, "");
  if (trimmedA.length !== trimmedB.length) {
    return trimmedA.length - trimmedB.length;
  }
  if (trimmedA === trimmedB) {
    return 0;
  }
  return trimmedA < trimmedB ? -1 : 1;
}

function toSlashes(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}
