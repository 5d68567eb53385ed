/**
 * Importing an XDF file as a session: its numeric streams as numeric streams and its string
 * streams as marker streams, all on the recorder's clock.
 */
import { stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { childText } from "../lsl/xml.js";
import { SessionWriter, type SessionStreamSpec } from "../session/writer.js";
import { readXdf } from "./read.js";
import type { XdfFile, XdfStream } from "./types.js";

/** Options of {@link importXdfFile}. */
export interface ImportXdfOptions {
  /** Folder that receives the `.session.zip` archive; created when missing. */
  readonly out: string;
  /** Session name. Default: the file name without `.xdf`. */
  readonly name?: string;
}

/** One XDF stream written to the session. */
export interface ImportedXdfStream {
  /** Stream id in the XDF file. */
  readonly xdfId: number;
  /** Stream name in the XDF file. */
  readonly xdfName: string;
  /** Stream name in the session; differs from `xdfName` when that is empty, unsafe as a file name or taken. */
  readonly sessionName: string;
  readonly kind: "numeric" | "marker";
  readonly nChannels: number;
  /** Samples (numeric) or events (marker) written. */
  readonly nSamples: number;
}

/** Summary of an import: the archive written, its streams and the problems met. */
export interface ImportXdfResult {
  readonly archivePath: string;
  readonly streams: readonly ImportedXdfStream[];
  /** The reader's warnings about the file, then the import's: streams skipped, values rounded. */
  readonly warnings: readonly string[];
}

interface PlannedStream {
  readonly stream: XdfStream;
  readonly spec: SessionStreamSpec;
}

/**
 * Imports the XDF file at `path` as one session named after the file. Numeric streams become
 * numeric streams, with values as float32 (the session format) and clock-corrected timestamps.
 * String streams become marker streams with one event per sample: the string itself for one
 * channel, or a JSON array of the channels' strings for more. Streams without channels are
 * skipped with a warning. The local time of the FileHeader's `datetime` becomes the session's
 * creation time.
 *
 * @throws Error when the file cannot be read or is not XDF, when it has no stream to import,
 *   or when a session of the same name already exists in `out`.
 */
export async function importXdfFile(path: string, options: ImportXdfOptions): Promise<ImportXdfResult> {
  const file = await readXdf(path);
  const warnings = [...file.warnings];
  const name = options.name ?? (basename(path).replace(/\.xdf$/i, "") || "xdf-import");
  const planned = planStreams(file, warnings);
  if (planned.length === 0) {
    const why = warnings.length === 0 ? "" : ` (the reader warned: ${warnings.join("; ")})`;
    throw new Error(`${path} contains no stream with channels to import${why}`);
  }
  for (const candidate of [join(options.out, `${name}.session.zip`), join(options.out, name)]) {
    if ((await stat(candidate).catch(() => undefined)) !== undefined) {
      throw new Error(`${candidate} already exists; import into another --out folder or remove it`);
    }
  }

  const created = recordingStart(file);
  const writer = await SessionWriter.create({
    folder: options.out,
    appName: "XDF import",
    name,
    classNames: [],
    streams: planned.map((entry) => entry.spec),
    ...(created === undefined ? {} : { created }),
  });
  const streams: ImportedXdfStream[] = [];
  for (const { stream, spec } of planned) {
    const nSamples = spec.kind === "numeric" ? appendNumeric(writer, spec.name, stream, warnings) : appendMarkers(writer, spec.name, stream, warnings);
    streams.push({ xdfId: stream.id, xdfName: stream.name, sessionName: spec.name, kind: spec.kind, nChannels: spec.nChannels, nSamples });
  }
  const closed = await writer.close();
  return { archivePath: closed.archivePath, streams, warnings };
}

/** Chooses a session stream for every XDF stream with channels, with unique, file-safe names. */
function planStreams(file: XdfFile, warnings: string[]): PlannedStream[] {
  const taken = new Set<string>();
  const planned: PlannedStream[] = [];
  for (const stream of file.streams) {
    if (stream.channelCount === 0) {
      warnings.push(`stream ${stream.id} ("${stream.name}") has no channels, so it was not imported`);
      continue;
    }
    let name = stream.name.replace(/[/\\\0:]/g, "_");
    if (name === "" || name === "." || name === "..") {
      name = `stream-${stream.id}`;
    }
    while (taken.has(name)) {
      name = `${name}-${stream.id}`;
    }
    taken.add(name);
    const kind = stream.channelFormat === "string" ? "marker" : "numeric";
    planned.push({
      stream,
      spec: { name, kind, nChannels: stream.channelCount, sampleRateHz: kind === "marker" ? 0 : stream.nominalSrateHz },
    });
  }
  return planned;
}

function appendNumeric(writer: SessionWriter, name: string, stream: XdfStream, warnings: string[]): number {
  if (stream.channelFormat === "string") {
    throw new TypeError(`stream ${stream.id} is a string stream, not a numeric one`);
  }
  let samples: Float32Array;
  if (stream.values instanceof Float32Array) {
    samples = stream.values;
  } else {
    samples = Float32Array.from(stream.values);
    let rounded = 0;
    for (let i = 0; i < samples.length; i++) {
      // NaN never equals itself but survives the conversion, so it is not counted.
      if (samples[i] !== stream.values[i] && !Number.isNaN(stream.values[i])) {
        rounded++;
      }
    }
    if (rounded > 0) {
      warnings.push(
        `${rounded} values of stream ${stream.id} ("${stream.name}", ${stream.channelFormat}) changed when stored as float32, ` +
          `the only value type of session streams`,
      );
    }
  }
  writer.append(name, samples, stream.correctedTimestamps, stream.nSamples);
  return stream.nSamples;
}

function appendMarkers(writer: SessionWriter, name: string, stream: XdfStream, warnings: string[]): number {
  if (stream.channelFormat !== "string") {
    throw new TypeError(`stream ${stream.id} is a numeric stream, not a string one`);
  }
  const values: string[] = [];
  const timestamps: number[] = [];
  stream.values.forEach((channels, index) => {
    const timestampS = stream.correctedTimestamps[index] as number;
    if (Number.isFinite(timestampS)) {
      values.push(channels.length === 1 ? (channels[0] as string) : JSON.stringify(channels));
      timestamps.push(timestampS);
    }
  });
  const dropped = stream.nSamples - values.length;
  if (dropped > 0) {
    warnings.push(`${dropped} events of stream ${stream.id} ("${stream.name}") have no finite timestamp and were not imported`);
  }
  writer.appendMarkers(name, values, timestamps);
  return values.length;
}

/**
 * Returns the recording's local start time from the FileHeader's `datetime`
 * (`YYYY-MM-DDThh:mm:ss` and a zone offset, as LabRecorder writes it). The offset is dropped
 * so the session keeps the recording's wall-clock time. Returns undefined without a valid one.
 */
function recordingStart(file: XdfFile): Date | undefined {
  const text = file.header === undefined ? undefined : childText(file.header, "datetime");
  const match = text === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (match === null) {
    return undefined;
  }
  const [year, month, day, hours, minutes, seconds] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(year, month - 1, day, hours, minutes, seconds);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
