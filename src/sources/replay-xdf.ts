/**
 * Loading one numeric stream of an XDF file (LabRecorder's format) into the timeline a
 * {@link ReplaySource} plays, paced by the stream's clock-corrected timestamps.
 */
import { readXdf } from "../xdf/read.js";
import type { XdfNumericStream, XdfStream } from "../xdf/types.js";
import { runningMax, samplePeriod, type ReplayTimeline, type TimelineRequest } from "./replay-timeline.js";

/** Returns whether `path` names an XDF file, by its `.xdf` extension. */
export function isXdfPath(path: string): boolean {
  return path.toLowerCase().endsWith(".xdf");
}

/**
 * Loads the XDF stream `request.stream` names (by name, or by id when no name matches), or
 * the file's only numeric stream. Samples are spaced by the clock-corrected timestamps, or
 * evenly at the sample rate for `nominal` pacing. Warnings of the reader, such as a truncated
 * file, are not reported here; read the file with `readXdf` to see them.
 *
 * @throws Error for a missing or invalid file, a stream that is missing, a string stream, or
 *   a stream without channels or samples.
 */
export async function loadXdfTimeline(request: TimelineRequest): Promise<ReplayTimeline> {
  const file = await readXdf(request.path);
  const stream = chooseXdfStream(file.streams, request);
  const described = `stream "${stream.name}" of ${request.path}`;
  if (stream.channelCount === 0) {
    throw new Error(`${described} has no channels to replay`);
  }
  if (stream.nSamples === 0) {
    throw new Error(`${described} has no samples to replay`);
  }

  const sampleRateHz = request.sampleRateHz ?? stream.nominalSrateHz;
  let offsetsS: Float64Array;
  if (request.pacing === "nominal") {
    if (!(sampleRateHz > 0)) {
      throw new Error(`${described} has no nominal sample rate; pass sampleRateHz or use pacing "timestamps"`);
    }
    offsetsS = new Float64Array(stream.nSamples);
    for (let i = 0; i < stream.nSamples; i++) {
      offsetsS[i] = i / sampleRateHz;
    }
  } else {
    offsetsS = correctedOffsets(stream, described);
  }
  const dueOffsetsS = runningMax(offsetsS);
  const lastS = dueOffsetsS[stream.nSamples - 1] as number;

  return {
    description: `XDF file ${request.path} (stream ${stream.name})`,
    nChannels: stream.channelCount,
    nSamples: stream.nSamples,
    sampleRateHz,
    samples: stream.values instanceof Float32Array ? stream.values : Float32Array.from(stream.values),
    offsetsS,
    dueOffsetsS,
    passDurationS: lastS + samplePeriod(sampleRateHz, lastS, stream.nSamples),
    cueChanges: [],
  };
}

function chooseXdfStream(streams: readonly XdfStream[], request: TimelineRequest): XdfNumericStream {
  const numeric = streams.filter((stream): stream is XdfNumericStream => stream.channelFormat !== "string");
  const listed = streams.map((stream) => `"${stream.name}" (id ${stream.id}, ${stream.channelFormat})`).join(", ") || "none";
  const requested = request.stream;
  if (requested === undefined) {
    if (numeric.length === 1) {
      return numeric[0] as XdfNumericStream;
    }
    if (numeric.length === 0) {
      throw new Error(`${request.path} has no numeric stream to replay; its streams are ${listed}`);
    }
    throw new Error(
      `${request.path} has ${numeric.length} numeric streams; pass the name of the one to replay as the stream option ` +
        `(its streams are ${listed})`,
    );
  }

  let matches = streams.filter((stream) => stream.name === requested);
  if (matches.length === 0 && /^\d+$/.test(requested)) {
    matches = streams.filter((stream) => stream.id === Number(requested));
  }
  if (matches.length === 0) {
    throw new Error(`${request.path} has no stream named "${requested}"; its streams are ${listed}`);
  }
  if (matches.length > 1) {
    const ids = matches.map((stream) => stream.id).join(", ");
    throw new Error(`${request.path} has ${matches.length} streams named "${requested}" (ids ${ids}); pass the id as the stream option`);
  }
  const chosen = matches[0] as XdfStream;
  if (chosen.channelFormat === "string") {
    throw new Error(
      `stream "${chosen.name}" of ${request.path} is a string (marker) stream, and replay plays numeric streams only; ` +
        `pass a numeric stream as the stream option (its streams are ${listed})`,
    );
  }
  return chosen;
}

/** Returns each corrected timestamp minus the first, in seconds. */
function correctedOffsets(stream: XdfNumericStream, described: string): Float64Array {
  const timestamps = stream.correctedTimestamps;
  const firstS = timestamps[0] as number;
  const offsetsS = new Float64Array(stream.nSamples);
  for (let i = 0; i < stream.nSamples; i++) {
    const timestampS = timestamps[i] as number;
    if (!Number.isFinite(timestampS)) {
      throw new Error(`${described} has timestamp ${timestampS} at sample ${i}; replay it with pacing "nominal"`);
    }
    offsetsS[i] = timestampS - firstS;
  }
  return offsetsS;
}

