import { unsafePathReason } from "./store.js";
import {
  SESSION_SCHEMA_VERSION,
  type LabelEvent,
  type LabelEventFile,
  type SessionMetaFile,
  type StreamMetaFile,
} from "./types.js";

/**
 * Strict parsing of a session's JSON files (`meta.json`, `labels.json`, `<stream>_markers.json`)
 * and formatting of the ones this project writes. Every error names the file, the field, the
 * value found and what to do.
 */

/** `dtype` of a marker stream in `meta.json`. */
export const MARKER_DTYPE = "string";

/** A marker event as stored in `<stream>_markers.json`. */
export interface MarkerEventFile {
  timestamp: number;
  value: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function invalid(location: string, field: string, problem: string): Error {
  return new Error(`${location}: ${field} ${problem}. Correct the file, or record the session again.`);
}

/** Parses JSON text, with an error naming the file when it is not valid JSON. */
export function parseJsonFile(bytes: Uint8Array | string, location: string): unknown {
  const text = typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${location}: invalid JSON (${(error as Error).message}). The file is damaged or was cut short; restore it from a copy.`);
  }
}

/** Returns why `name` cannot be a stream name on disk, or `undefined` when it can. */
export function invalidStreamNameReason(name: string): string | undefined {
  if (name.includes("/")) {
    return "contains a slash";
  }
  if (name === "." || name === "..") {
    return "is a relative folder name";
  }
  return unsafePathReason(name);
}

/**
 * Parses `meta.json`. Keys this project does not use are kept. A missing `schema_version` means
 * the Python layout; a version newer than {@link SESSION_SCHEMA_VERSION} is an error, since
 * its meaning is unknown here.
 */
export function parseSessionMeta(bytes: Uint8Array, location: string): SessionMetaFile {
  const document = parseJsonFile(bytes, location);
  if (!isRecord(document)) {
    throw invalid(location, "the top level", `must be a JSON object, found ${show(document)}`);
  }
  if (typeof document.app_name !== "string") {
    throw invalid(location, '"app_name"', `must be a string, found ${show(document.app_name)}`);
  }
  if (typeof document.created !== "string") {
    throw invalid(location, '"created"', `must be a string such as "2026-05-16T18:52:32", found ${show(document.created)}`);
  }
  const version = document.schema_version;
  if (version !== undefined) {
    if (!Number.isInteger(version) || (version as number) < 1) {
      throw invalid(location, '"schema_version"', `must be a positive integer, found ${show(version)}`);
    }
    if ((version as number) > SESSION_SCHEMA_VERSION) {
      throw new Error(
        `${location}: "schema_version" is ${version}, but this version of myogestic reads sessions up to ` +
          `version ${SESSION_SCHEMA_VERSION}. Upgrade myogestic to read this session.`,
      );
    }
  }
  const classNames = document.class_names;
  if (!Array.isArray(classNames) || !classNames.every((name) => typeof name === "string")) {
    throw invalid(location, '"class_names"', `must be an array of strings, found ${show(classNames)}`);
  }
  if (!isRecord(document.streams)) {
    throw invalid(location, '"streams"', `must be an object mapping stream names to their settings, found ${show(document.streams)}`);
  }
  const streams: Record<string, StreamMetaFile> = {};
  for (const [name, entry] of Object.entries(document.streams)) {
    const field = `"streams.${name}`;
    const badName = invalidStreamNameReason(name);
    if (badName !== undefined) {
      throw invalid(location, `stream name ${show(name)}`, `${badName}, so it cannot name the stream's files`);
    }
    if (!isRecord(entry)) {
      throw invalid(location, `${field}"`, `must be an object, found ${show(entry)}`);
    }
    if (!Number.isSafeInteger(entry.n_channels) || (entry.n_channels as number) < 1) {
      throw invalid(location, `${field}.n_channels"`, `must be a positive integer, found ${show(entry.n_channels)}`);
    }
    if (typeof entry.fs !== "number" || !Number.isFinite(entry.fs) || entry.fs < 0) {
      throw invalid(location, `${field}.fs"`, `must be a sample rate in Hz, 0 or more, found ${show(entry.fs)}`);
    }
    if (typeof entry.dtype !== "string" || entry.dtype === "") {
      throw invalid(location, `${field}.dtype"`, `must be a data type name such as "float32", found ${show(entry.dtype)}`);
    }
    streams[name] = { ...entry, n_channels: entry.n_channels as number, fs: entry.fs, dtype: entry.dtype };
  }
  return { ...document, app_name: document.app_name, created: document.created, streams, class_names: classNames as string[] };
}

/**
 * Parses `labels.json` into label events sorted by time (events at the same time keep their
 * order in the file). A `class_index` outside `classNames` is an error.
 */
export function parseLabels(bytes: Uint8Array, location: string, classNames: readonly string[]): LabelEvent[] {
  const document = parseJsonFile(bytes, location);
  if (!Array.isArray(document)) {
    throw invalid(location, "the top level", `must be an array of label events, found ${show(document)}`);
  }
  const labels = document.map((entry: unknown, index): LabelEvent => {
    const field = `label ${index}`;
    if (!isRecord(entry)) {
      throw invalid(location, field, `must be an object with "timestamp" and "class_index", found ${show(entry)}`);
    }
    const timestampS = entry.timestamp;
    if (typeof timestampS !== "number" || !Number.isFinite(timestampS)) {
      throw invalid(location, `${field} "timestamp"`, `must be a finite number of seconds, found ${show(timestampS)}`);
    }
    const classIndex = entry.class_index;
    if (classIndex === null) {
      return { timestampS, classIndex: null };
    }
    if (!Number.isInteger(classIndex) || (classIndex as number) < 0 || (classIndex as number) >= classNames.length) {
      throw new Error(
        `${location}: label ${index} has class_index ${show(classIndex)}, but meta.json lists ` +
          `${classNames.length} class names (${classNames.join(", ") || "none"}), so it must be an ` +
          `integer from 0 to ${classNames.length - 1} or null. Correct the label or the class names in meta.json.`,
      );
    }
    return { timestampS, classIndex: classIndex as number };
  });
  return labels
    .map((label, order) => ({ label, order }))
    .sort((a, b) => a.label.timestampS - b.label.timestampS || a.order - b.order)
    .map(({ label }) => label);
}

/** Parses `<stream>_markers.json`: an array of `{ timestamp, value }`. */
export function parseMarkers(bytes: Uint8Array, location: string): { timestampS: number; value: string }[] {
  const document = parseJsonFile(bytes, location);
  if (!Array.isArray(document)) {
    throw invalid(location, "the top level", `must be an array of marker events, found ${show(document)}`);
  }
  return document.map((entry: unknown, index) => {
    if (!isRecord(entry) || typeof entry.timestamp !== "number" || !Number.isFinite(entry.timestamp) || typeof entry.value !== "string") {
      throw invalid(location, `marker ${index}`, `must be an object with a finite "timestamp" and a string "value", found ${show(entry)}`);
    }
    return { timestampS: entry.timestamp, value: entry.value };
  });
}

/**
 * Formats `meta.json` as the Python system writes it (two-space indentation, sample rates
 * written as floats such as `60.0`), with this project's `schema_version` last.
 */
export function formatSessionMeta(meta: SessionMetaFile): string {
  // Python writes `fs` as a float; placeholders keep the layout of JSON.stringify.
  const rates: string[] = [];
  const streams: Record<string, unknown> = {};
  for (const [name, stream] of Object.entries(meta.streams)) {
    const fs = Number.isInteger(stream.fs) ? `${stream.fs}.0` : String(stream.fs);
    streams[name] = { ...stream, fs: `\u0000fs${rates.length}\u0000` };
    rates.push(fs);
  }
  let text = JSON.stringify({ ...meta, streams }, null, 2);
  rates.forEach((rate, index) => {
    text = text.replace(JSON.stringify(`\u0000fs${index}\u0000`), rate);
  });
  return text;
}

/** Formats label events as `labels.json`. */
export function formatLabels(labels: readonly LabelEvent[]): string {
  const entries: LabelEventFile[] = labels.map((label) => ({ timestamp: label.timestampS, class_index: label.classIndex }));
  return JSON.stringify(entries, null, 2);
}

/** Formats marker events as `<stream>_markers.json`. */
export function formatMarkers(events: readonly { timestampS: number; value: string }[]): string {
  const entries: MarkerEventFile[] = events.map((event) => ({ timestamp: event.timestampS, value: event.value }));
  return JSON.stringify(entries, null, 2);
}
