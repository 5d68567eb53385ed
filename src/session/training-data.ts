import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

/** Options of {@link TrainingData}. */
export interface TrainingDataOptions {
  /** Session folders or `.session.zip` archives. */
  readonly paths: readonly string[];
  /** Names of the classes, by class index. */
  readonly classNames: readonly string[];
  /** Indices of the classes to train on; default all of `classNames`. */
  readonly classes?: readonly number[];
}

/**
 * The recordings a training run uses: which sessions, and which of their classes. It contains
 * paths, not samples; window iterators read the data when training runs.
 */
export class TrainingData {
  readonly paths: readonly string[];
  readonly classNames: readonly string[];
  readonly classes: readonly number[];

  constructor(options: TrainingDataOptions) {
    this.paths = [...options.paths];
    this.classNames = [...options.classNames];
    this.classes = [...(options.classes ?? this.classNames.map((_, index) => index))];
    for (const classIndex of this.classes) {
      if (!(Number.isInteger(classIndex) && classIndex >= 0 && classIndex < this.classNames.length)) {
        throw new RangeError(
          `class ${classIndex} is not an index into the ${this.classNames.length} class names`,
        );
      }
    }
  }

  /** True when there is no session or no class to train on. */
  get isEmpty(): boolean {
    return this.paths.length === 0 || this.classes.length === 0;
  }
}

/**
 * Lists the sessions directly inside `folder`: `.session.zip` archives and folders holding a
 * `meta.json` (recordings that were not packed), sorted by name. A folder whose archive is
 * already there (a recording being packed) is listed as the archive only.
 */
export async function listSessions(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isFile() && entry.name.endsWith(".session.zip")) {
      found.push(path);
    } else if (entry.isDirectory()) {
      const meta = await stat(join(path, "meta.json")).catch(() => undefined);
      if (meta?.isFile() === true) {
        found.push(path);
      }
    }
  }
  const archives = new Set(found.filter((path) => path.endsWith(".session.zip")));
  return found.filter((path) => path.endsWith(".session.zip") || !archives.has(`${path}.session.zip`)).sort();
}
