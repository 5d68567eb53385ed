import { basename } from "node:path";
import { openSessionStore } from "./archive.js";
import { MARKER_DTYPE, parseLabels, parseMarkers, parseSessionMeta } from "./meta.js";
import type { SessionStore } from "./store.js";
import type {
  LabelEvent,
  RecordedStream,
  RecordedStreamInfo,
  Session,
  SessionMetaFile,
  Trial,
} from "./types.js";
import { readZarrMetadata, readZarrRows, zarrChunkKeysForRows, zarrColumns } from "./zarr.js";
import type { ZarrArrayMetadata } from "./zarr-metadata.js";

/**
 * Opening recorded sessions, from a folder (including one left by a killed recording, before
 * it was packed) or from a `.session.zip` archive, in this project's layout or the Python
 * system's.
 */

/** Metadata of a numeric stream's sample and timestamp arrays, read when the session is opened. */
interface NumericArrays {
  readonly data: ZarrArrayMetadata;
  readonly timestamps: ZarrArrayMetadata;
}

/** A store rooted at a folder inside another, for archives made by zipping the session folder. */
class PrefixedStore implements SessionStore {
  readonly path: string;
  readonly #inner: SessionStore;
  readonly #prefix: string;

  constructor(inner: SessionStore, prefix: string) {
    this.path = inner.path;
    this.#inner = inner;
    this.#prefix = prefix;
  }

  async list(): Promise<string[]> {
    const files = await this.#inner.list();
    return files
      .filter((file) => file.startsWith(this.#prefix))
      .map((file) => file.slice(this.#prefix.length));
  }

  read(relativePath: string): Promise<Uint8Array | undefined> {
    return this.#inner.read(this.#prefix + relativePath);
  }

  locate(relativePath: string): string {
    return this.#inner.locate(this.#prefix + relativePath);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

/**
 * Opens the store at `path`. When `meta.json` is not at its top level but inside exactly one
 * folder, that folder is the session's root.
 */
async function openRootedStore(path: string): Promise<{ store: SessionStore; files: Set<string>; warnings: readonly string[] }> {
  const store = await openSessionStore(path);
  const warnings = store.warnings ?? [];
  try {
    const files = await store.list();
    if (!files.includes("meta.json")) {
      const nested = files.filter((file) => /^[^/]+\/meta\.json$/.test(file));
      if (nested.length === 1) {
        const prefixed = new PrefixedStore(
          store,
          (nested[0] as string).slice(0, -"meta.json".length),
        );
        return { store: prefixed, files: new Set(await prefixed.list()), warnings };
      }
    }
    return { store, files: new Set(files), warnings };
  } catch (error) {
    await store.close();
    throw error;
  }
}

function sessionName(path: string): string {
  const name = basename(path);
  for (const suffix of [".session.zip", ".zip"]) {
    if (name.endsWith(suffix) && name.length > suffix.length) {
      return name.slice(0, -suffix.length);
    }
  }
  return name;
}

async function requireArray(
  store: SessionStore,
  arrayPath: string,
  stream: string,
): Promise<ZarrArrayMetadata> {
  const metadata = await readZarrMetadata(store, arrayPath);
  if (metadata === undefined) {
    throw new Error(
      `${store.locate(`${arrayPath}/zarr.json`)}: file not found, but meta.json lists the numeric stream ` +
        `${JSON.stringify(stream)}. The session is incomplete; remove the stream from meta.json to read the rest.`,
    );
  }
  return metadata;
}

class OpenedSession implements Session {
  readonly path: string;
  readonly name: string;
  readonly appName: string;
  readonly created: string;
  readonly schemaVersion: number | null;
  readonly classNames: readonly string[];
  readonly streams: readonly RecordedStreamInfo[];
  readonly labels: readonly LabelEvent[];
  readonly meta: SessionMetaFile;
  readonly warnings: readonly string[];
  readonly #arrays: ReadonlyMap<string, NumericArrays>;
  readonly #lastSampleS: number | undefined;

  constructor(fields: {
    path: string;
    meta: SessionMetaFile;
    streams: RecordedStreamInfo[];
    labels: LabelEvent[];
    warnings: string[];
    arrays: Map<string, NumericArrays>;
    lastSampleS: number | undefined;
  }) {
    this.path = fields.path;
    this.name = sessionName(fields.path);
    this.meta = fields.meta;
    this.appName = fields.meta.app_name;
    this.created = fields.meta.created;
    this.schemaVersion = fields.meta.schema_version ?? null;
    this.classNames = fields.meta.class_names;
    this.streams = fields.streams;
    this.labels = fields.labels;
    this.warnings = fields.warnings;
    this.#arrays = fields.arrays;
    this.#lastSampleS = fields.lastSampleS;
  }

  trials(): Trial[] {
    const trials: Trial[] = [];
    this.labels.forEach((label, index) => {
      if (label.classIndex === null) {
        return;
      }
      const next = this.labels[index + 1];
      const endS =
        next?.timestampS ?? Math.max(label.timestampS, this.#lastSampleS ?? label.timestampS);
      trials.push({
        classIndex: label.classIndex,
        className: this.classNames[label.classIndex] as string,
        startS: label.timestampS,
        endS,
      });
    });
    return trials;
  }

  #info(name: string, kind: "numeric" | "marker"): RecordedStreamInfo {
    const info = this.streams.find((stream) => stream.name === name);
    if (info === undefined) {
      const known = this.streams.map((stream) => stream.name).join(", ") || "none";
      throw new Error(
        `${this.path}: no stream named ${JSON.stringify(name)}; the session has: ${known}.`,
      );
    }
    if (info.kind !== kind) {
      const method = info.kind === "marker" ? "readMarkers" : "readStream";
      throw new Error(
        `${this.path}: stream ${JSON.stringify(name)} is a ${info.kind} stream; read it with ${method}().`,
      );
    }
    return info;
  }

  async readStream(name: string): Promise<RecordedStream> {
    const info = this.#info(name, "numeric");
    const arrays = this.#arrays.get(name) as NumericArrays;
    const { store } = await openRootedStore(this.path);
    try {
      const data = await readZarrRows(store, `${name}.zarr`, arrays.data, 0, info.nSamples);
      const times = await readZarrRows(
        store,
        `${name}_timestamps.zarr`,
        arrays.timestamps,
        0,
        info.nSamples,
      );
      const samples =
        data.values instanceof Float32Array ? data.values : Float32Array.from(data.values);
      const timestamps =
        times.values instanceof Float64Array ? times.values : Float64Array.from(times.values);
      const missingChunks = [
        ...data.missingChunks.map((key) => `${name}.zarr/${key}`),
        ...times.missingChunks.map((key) => `${name}_timestamps.zarr/${key}`),
      ];
      return { info, nSamples: info.nSamples, nChannels: info.nChannels, samples, timestamps, missingChunks };
    } finally {
      await store.close();
    }
  }

  async readMarkers(name: string): Promise<{ timestampS: number; value: string }[]> {
    this.#info(name, "marker");
    const { store } = await openRootedStore(this.path);
    try {
      const path = `${name}_markers.json`;
      const bytes = await store.read(path);
      return bytes === undefined ? [] : parseMarkers(bytes, store.locate(path));
    } finally {
      await store.close();
    }
  }
}

/** Checks a numeric stream's arrays against `meta.json` and returns its readable sample count. */
function checkNumericArrays(
  store: SessionStore,
  name: string,
  nChannels: number,
  arrays: NumericArrays,
  warnings: string[],
): number {
  const dataPath = store.locate(`${name}.zarr/zarr.json`);
  const { data, timestamps } = arrays;
  const dataColumns = zarrColumns(data);
  if (dataColumns !== nChannels || (data.shape.length === 1 && nChannels !== 1)) {
    throw new Error(
      `${dataPath}: shape [${data.shape.join(", ")}] does not match the ${nChannels} channels that meta.json ` +
        `lists for stream ${JSON.stringify(name)}. Correct "n_channels" in meta.json or the array.`,
    );
  }
  if (zarrColumns(timestamps) !== 1) {
    throw new Error(
      `${store.locate(`${name}_timestamps.zarr/zarr.json`)}: shape [${timestamps.shape.join(", ")}] must be ` +
        "[n] or [n, 1], one timestamp per sample. The timestamp array is not one this reader understands.",
    );
  }
  const dataRows = data.shape[0] as number;
  const timestampRows = timestamps.shape[0] as number;
  if (dataRows !== timestampRows) {
    warnings.push(
      `${name}: ${name}.zarr declares ${dataRows} samples but ${name}_timestamps.zarr declares ` +
        `${timestampRows}; reading the first ${Math.min(dataRows, timestampRows)}.`,
    );
  }
  return Math.min(dataRows, timestampRows);
}

/**
 * Reads the metadata of a numeric stream's arrays, checks them, lists missing chunks as
 * warnings, and reads the last timestamp (for the end of the final trial).
 */
async function openNumericStream(
  store: SessionStore,
  files: ReadonlySet<string>,
  name: string,
  nChannels: number,
  warnings: string[],
): Promise<{ pair: NumericArrays; nSamples: number; lastS: number | undefined }> {
  const pair: NumericArrays = {
    data: await requireArray(store, `${name}.zarr`, name),
    timestamps: await requireArray(store, `${name}_timestamps.zarr`, name),
  };
  const declared = checkNumericArrays(store, name, nChannels, pair, warnings);
  const arrays = [
    [`${name}.zarr`, pair.data],
    [`${name}_timestamps.zarr`, pair.timestamps],
  ] as const;
  // A missing chunk (a recording cut short, or a damaged copy) ends the stream where it starts,
  // so what is read is whole: samples and timestamps that were really recorded.
  let nSamples = declared;
  let firstMissing: string | undefined;
  for (const [arrayPath, metadata] of arrays) {
    const chunkRows = metadata.chunkShape[0] as number;
    const keys = zarrChunkKeysForRows(metadata, declared);
    const perRow = keys.length / Math.max(1, Math.ceil(declared / chunkRows));
    const missing = keys.findIndex((key) => !files.has(`${arrayPath}/${key}`));
    if (missing >= 0) {
      const startRow = Math.floor(missing / perRow) * chunkRows;
      if (startRow < nSamples) {
        nSamples = startRow;
        firstMissing = `${arrayPath}/${keys[missing] ?? ""}`;
      }
    }
  }
  if (firstMissing !== undefined) {
    warnings.push(
      `${name}: chunk ${firstMissing} is missing, so the stream is read up to sample ${nSamples} of the ${declared} declared.`,
    );
  }
  if (nSamples === 0) {
    return { pair, nSamples, lastS: undefined };
  }
  const timestampsPath = `${name}_timestamps.zarr`;
  const last = await readZarrRows(store, timestampsPath, pair.timestamps, nSamples - 1, nSamples);
  return { pair, nSamples, lastS: last.values[0] as number };
}

/**
 * Opens a session folder or `.session.zip` archive, reading and checking `meta.json`,
 * `labels.json` and each stream's array metadata; samples are read later by
 * {@link Session.readStream}. Problems that leave the data readable (a missing `labels.json`,
 * missing chunks, arrays of different lengths) become {@link Session.warnings}; anything
 * else is an error naming the file and the fix.
 */
export async function openSession(path: string): Promise<Session> {
  const { store, files, warnings: storeWarnings } = await openRootedStore(path);
  try {
    const metaBytes = await store.read("meta.json");
    if (metaBytes === undefined) {
      throw new Error(
        `${store.locate("meta.json")}: file not found. A session folder or archive has meta.json at its top level; ` +
          "give the path of a session recorded by myogestic or by the Python MyoGestic.",
      );
    }
    const meta = parseSessionMeta(metaBytes, store.locate("meta.json"));
    const warnings: string[] = [...storeWarnings];

    const labelBytes = await store.read("labels.json");
    let labels: LabelEvent[] = [];
    if (labelBytes === undefined) {
      warnings.push("labels.json is missing; the session has no labels and no trials.");
    } else {
      labels = parseLabels(labelBytes, store.locate("labels.json"), meta.class_names);
    }

    const streams: RecordedStreamInfo[] = [];
    const arrays = new Map<string, NumericArrays>();
    let lastSampleS: number | undefined;
    for (const [name, entry] of Object.entries(meta.streams)) {
      const common = {
        name,
        nChannels: entry.n_channels,
        sampleRateHz: entry.fs,
        dtype: entry.dtype,
      };
      if (entry.dtype === MARKER_DTYPE) {
        const markersPath = `${name}_markers.json`;
        const bytes = await store.read(markersPath);
        if (bytes === undefined) {
          warnings.push(`${name}: ${markersPath} is missing; the marker stream reads as empty.`);
        }
        const events = bytes === undefined ? [] : parseMarkers(bytes, store.locate(markersPath));
        streams.push({ ...common, kind: "marker", nSamples: events.length });
        continue;
      }

      const opened = await openNumericStream(store, files, name, entry.n_channels, warnings);
      const { pair, nSamples, lastS } = opened;
      if (lastS !== undefined) {
        lastSampleS = lastSampleS === undefined ? lastS : Math.max(lastSampleS, lastS);
      }
      arrays.set(name, pair);
      streams.push({ ...common, kind: "numeric", nSamples });
    }
    return new OpenedSession({ path, meta, streams, labels, warnings, arrays, lastSampleS });
  } finally {
    await store.close();
  }
}
