import { access, mkdir, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { invalidStreamNameReason } from "./meta.js";
import type { SessionWriter } from "./writer.js";

/** Options of a session recording: what the {@link SessionWriter} takes, and their checks. */

/** A stream to record, as {@link SessionWriterOptions} lists it. */
export interface SessionStreamSpec {
  /** Stream name; it names the stream's files, so it may not contain `/` or `\`. */
  readonly name: string;
  readonly kind: "numeric" | "marker";
  readonly nChannels: number;
  /** Nominal sample rate in Hz; 0 for irregular and marker streams. */
  readonly sampleRateHz: number;
}

/** Options of {@link SessionWriter.create}. */
export interface SessionWriterOptions {
  /** Root folder that receives the session folder and archive; created when missing. */
  readonly folder: string;
  readonly appName: string;
  /** Session name; default `<app name slug>_<YYYYMMDD-HHMMSS>`. A taken name gets `-2`, `-3`… */
  readonly name?: string;
  readonly classNames: readonly string[];
  readonly streams: readonly SessionStreamSpec[];
  /** Chunk compression. Default `none`, the fastest; `zstd` is what the Python system writes. */
  readonly compression?: "none" | "zstd";
  /**
   * Maximum time appended data waits in memory before it is written, in ms. Default 500,
   * maximum 1000.
   */
  readonly flushIntervalMs?: number;
  /** Start time of the recording, for `meta.json` and the default name. Default now. */
  readonly created?: Date;
}

/** Default values of {@link SessionWriterOptions}. */
export const SESSION_WRITER_DEFAULTS = { compression: "none", flushIntervalMs: 500 } as const;

/** Largest chunk the recorder writes, in bytes, whatever the sample rate and channel count. */
const MAX_CHUNK_BYTES = 64 * 2 ** 20;

/** Rows per chunk: one second of samples (1024 rows for irregular streams), capped in bytes. */
export function chunkRowsFor(spec: SessionStreamSpec): number {
  const oneSecond = spec.sampleRateHz > 0 ? Math.ceil(spec.sampleRateHz) : 1024;
  return Math.max(1, Math.min(oneSecond, Math.floor(MAX_CHUNK_BYTES / (4 * spec.nChannels))));
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}

/** Local time as `YYYY-MM-DDTHH:MM:SS`, as `meta.json` stores it. */
export function localIsoSeconds(date: Date): string {
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `${day}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/**
 * Builds the default session name: the app name in lower case with runs of other characters as
 * `-`, then the local time as `YYYYMMDD-HHMMSS`.
 */
export function defaultSessionName(appName: string, created: Date): string {
  const slug =
    appName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "") || "session";
  const day = `${created.getFullYear()}${pad(created.getMonth() + 1)}${pad(created.getDate())}`;
  return `${slug}_${day}-${pad(created.getHours())}${pad(created.getMinutes())}${pad(created.getSeconds())}`;
}

/** Throws a TypeError or RangeError naming the first invalid option, its constraint and value. */
export function validateSessionWriterOptions(options: SessionWriterOptions): void {
  if (typeof options.folder !== "string" || options.folder === "") {
    throw new TypeError(
      `folder must be a non-empty path, received ${JSON.stringify(options.folder)}`,
    );
  }
  if (typeof options.appName !== "string" || options.appName === "") {
    throw new TypeError(
      `appName must be a non-empty string, received ${JSON.stringify(options.appName)}`,
    );
  }
  if (
    options.name !== undefined &&
    (options.name === "" || invalidStreamNameReason(options.name) !== undefined)
  ) {
    throw new TypeError(
      `name must be a plain file name without "/" or "\\", received ${JSON.stringify(options.name)}`,
    );
  }
  if (
    !Array.isArray(options.classNames) ||
    !options.classNames.every((name) => typeof name === "string")
  ) {
    throw new TypeError(
      `classNames must be an array of strings, received ${JSON.stringify(options.classNames)}`,
    );
  }
  const { compression = "none", flushIntervalMs = 500 } = options;
  if (compression !== "none" && compression !== "zstd") {
    throw new TypeError(
      `compression must be "none" or "zstd", received ${JSON.stringify(compression)}`,
    );
  }
  if (!(flushIntervalMs > 0 && flushIntervalMs <= 1000)) {
    throw new RangeError(
      `flushIntervalMs must be more than 0 and at most 1000 ms, received ${flushIntervalMs}`,
    );
  }
  const files = new Set<string>();
  for (const spec of options.streams) {
    const problem = invalidStreamNameReason(spec.name);
    if (problem !== undefined || spec.name === "") {
      throw new TypeError(
        `stream name ${JSON.stringify(spec.name)} ${problem ?? "is empty"}; it names the stream's files`,
      );
    }
    if (spec.kind !== "numeric" && spec.kind !== "marker") {
      throw new TypeError(
        `stream ${spec.name}: kind must be "numeric" or "marker", received ${JSON.stringify(spec.kind)}`,
      );
    }
    if (!Number.isSafeInteger(spec.nChannels) || spec.nChannels < 1) {
      throw new RangeError(
        `stream ${spec.name}: nChannels must be a positive integer, received ${spec.nChannels}`,
      );
    }
    if (!Number.isFinite(spec.sampleRateHz) || spec.sampleRateHz < 0) {
      throw new RangeError(
        `stream ${spec.name}: sampleRateHz must be 0 or more, received ${spec.sampleRateHz}`,
      );
    }
    const owned =
      spec.kind === "marker"
        ? [`${spec.name}_markers.json`]
        : [`${spec.name}.zarr`, `${spec.name}_timestamps.zarr`];
    for (const file of owned) {
      if (files.has(file) || file === "meta.json" || file === "labels.json") {
        throw new TypeError(
          `stream ${spec.name}: its file ${file} collides with another stream's or the session's; rename the stream`,
        );
      }
      files.add(file);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Creates `<root>/<base>`, or `<base>-2`, `<base>-3`… when that name is taken by a folder or an
 * archive. The exclusive `mkdir` decides between writers started at the same moment.
 */
export async function claimSessionFolder(
  root: string,
  base: string,
): Promise<{ name: string; folder: string }> {
  for (let attempt = 1; attempt <= 10_000; attempt++) {
    const name = attempt === 1 ? base : `${base}-${attempt}`;
    const folder = join(root, name);
    try {
      await mkdir(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        continue;
      }
      throw new Error(`Failed to create the session folder ${folder}: ${(error as Error).message}`);
    }
    if (await exists(join(root, `${name}.session.zip`))) {
      await rmdir(folder);
      continue;
    }
    return { name, folder };
  }
  throw new Error(
    `Failed to find a free session name in ${root}: ${base} and 10 000 numbered variants are taken`,
  );
}
