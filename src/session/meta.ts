import { describeJsonValue, isJsonObject } from "./json-values.js";
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

/** Builds the error for a field of a JSON file that is not what it must be. */
function mustBe(location: string, field: string, expected: string, found: unknown): Error {
  return new Error(
    `${location}: ${field} must be ${expected}, found ${describeJsonValue(found)}. ` +
      "Correct the file, or record the session again.",
  );
}

/** Parses JSON text, with an error naming the file when it is not valid JSON. */
export function parseJsonFile(bytes: Uint8Array | string, location: string): unknown {
  const text = typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${location}: invalid JSON (${(error as Error).message}). ` +
        "The file is damaged or was cut short; restore it from a copy.",
    );
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

function parseStreamEntry(location: string, name: string, entry: unknown): StreamMetaFile {
  const badName = invalidStreamNameReason(name);
  if (badName !== undefined) {
    throw new Error(
      `${location}: stream name ${JSON.stringify(name)} ${badName}, so it cannot name the ` +
        "stream's files. Rename the stream in meta.json and its files to match.",
    );
  }
  const field = `"streams.${name}`;
  if (!isJsonObject(entry)) {
    throw mustBe(location, `${field}"`, "an object", entry);
  }
  const { n_channels: nChannels, fs, dtype } = entry;
  if (typeof nChannels !== "number" || !Number.isSafeInteger(nChannels) || nChannels < 1) {
    throw mustBe(location, `${field}.n_channels"`, "a positive integer", nChannels);
  }
  if (typeof fs !== "number" || !Number.isFinite(fs) || fs < 0) {
    throw mustBe(location, `${field}.fs"`, "a sample rate in Hz, 0 or more", fs);
  }
  if (typeof dtype !== "string" || dtype === "") {
    throw mustBe(location, `${field}.dtype"`, 'a data type name such as "float32"', dtype);
  }
  return { ...entry, n_channels: nChannels, fs, dtype };
}

/**
 * Parses `meta.json`. Keys this project does not use are kept. A missing `schema_version` means
 * the Python layout. A version newer than {@link SESSION_SCHEMA_VERSION} is an error, because
 * its meaning is unknown here.
 */
export function parseSessionMeta(bytes: Uint8Array, location: string): SessionMetaFile {
  const document = parseJsonFile(bytes, location);
  if (!isJsonObject(document)) {
    throw mustBe(location, "the top level", "a JSON object", document);
  }
  const { app_name: appName, created, class_names: classNames } = document;
  if (typeof appName !== "string") {
    throw mustBe(location, '"app_name"', "a string", appName);
  }
  if (typeof created !== "string") {
    throw mustBe(location, '"created"', 'a string such as "2026-05-16T18:52:32"', created);
  }
  if (!Array.isArray(classNames) || !classNames.every((name) => typeof name === "string")) {
    throw mustBe(location, '"class_names"', "an array of strings", classNames);
  }

  const version = document.schema_version;
  if (version !== undefined) {
    if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
      throw mustBe(location, '"schema_version"', "a positive integer", version);
    }
    if (version > SESSION_SCHEMA_VERSION) {
      throw new Error(
        `${location}: "schema_version" is ${version}, but this version of myogestic reads ` +
          `sessions up to version ${SESSION_SCHEMA_VERSION}. Upgrade myogestic to read this session.`,
      );
    }
  }

  if (!isJsonObject(document.streams)) {
    const expected = "an object mapping stream names to their settings";
    throw mustBe(location, '"streams"', expected, document.streams);
  }
  const streams: Record<string, StreamMetaFile> = {};
  for (const [name, entry] of Object.entries(document.streams)) {
    streams[name] = parseStreamEntry(location, name, entry);
  }
  return { ...document, app_name: appName, created, streams, class_names: classNames };
}

function parseLabel(
  location: string,
  index: number,
  entry: unknown,
  classNames: readonly string[],
): LabelEvent {
  const field = `label ${index}`;
  if (!isJsonObject(entry)) {
    throw mustBe(location, field, 'an object with "timestamp" and "class_index"', entry);
  }
  const { timestamp: timestampS, class_index: classIndex } = entry;
  if (typeof timestampS !== "number" || !Number.isFinite(timestampS)) {
    throw mustBe(location, `${field} "timestamp"`, "a finite number of seconds", timestampS);
  }
  if (classIndex === null) {
    return { timestampS, classIndex: null };
  }
  if (
    typeof classIndex !== "number" ||
    !Number.isInteger(classIndex) ||
    classIndex < 0 ||
    classIndex >= classNames.length
  ) {
    throw new Error(
      `${location}: label ${index} has class_index ${describeJsonValue(classIndex)}, but ` +
        `meta.json lists ${classNames.length} class names (${classNames.join(", ") || "none"}), ` +
        `so it must be an integer from 0 to ${classNames.length - 1} or null. ` +
        "Correct the label or the class names in meta.json.",
    );
  }
  return { timestampS, classIndex };
}

/**
 * Parses `labels.json` into label events sorted by time (events at the same time keep their
 * order in the file). A `class_index` outside `classNames` is an error.
 */
export function parseLabels(
  bytes: Uint8Array,
  location: string,
  classNames: readonly string[],
): LabelEvent[] {
  const document = parseJsonFile(bytes, location);
  if (!Array.isArray(document)) {
    throw mustBe(location, "the top level", "an array of label events", document);
  }
  const labels = document.map((entry: unknown, index) =>
    parseLabel(location, index, entry, classNames),
  );
  return labels
    .map((label, order) => ({ label, order }))
    .sort((a, b) => a.label.timestampS - b.label.timestampS || a.order - b.order)
    .map(({ label }) => label);
}

/** Parses `<stream>_markers.json`: an array of `{ timestamp, value }`. */
export function parseMarkers(
  bytes: Uint8Array,
  location: string,
): { timestampS: number; value: string }[] {
  const document = parseJsonFile(bytes, location);
  if (!Array.isArray(document)) {
    throw mustBe(location, "the top level", "an array of marker events", document);
  }
  return document.map((entry: unknown, index) => {
    const valid =
      isJsonObject(entry) &&
      typeof entry.timestamp === "number" &&
      Number.isFinite(entry.timestamp) &&
      typeof entry.value === "string";
    if (!valid) {
      const expected = 'an object with a finite "timestamp" and a string "value"';
      throw mustBe(location, `marker ${index}`, expected, entry);
    }
    return { timestampS: entry.timestamp as number, value: entry.value as string };
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
  const entries: LabelEventFile[] = labels.map((label) => ({
    timestamp: label.timestampS,
    class_index: label.classIndex,
  }));
  return JSON.stringify(entries, null, 2);
}

/** Formats marker events as `<stream>_markers.json`. */
export function formatMarkers(events: readonly { timestampS: number; value: string }[]): string {
  const entries: MarkerEventFile[] = events.map((event) => ({
    timestamp: event.timestampS,
    value: event.value,
  }));
  return JSON.stringify(entries, null, 2);
}
