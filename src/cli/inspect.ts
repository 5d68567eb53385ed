import { openSession } from "../session/reader.js";

/** Summary of one session, as `myogestic inspect` prints it. */
export interface SessionSummary {
  name: string;
  path: string;
  appName: string;
  created: string;
  /** `null` for a session written by the Python system. */
  schemaVersion: number | null;
  classNames: string[];
  streams: {
    name: string;
    kind: "numeric" | "marker";
    nChannels: number;
    nSamples: number;
    dtype: string;
    sampleRateHz: number;
    /** From the first to the last timestamp, in seconds. */
    durationS: number;
    /** Samples per second over the timestamps, or null with fewer than two samples. */
    measuredRateHz: number | null;
  }[];
  labels: { timestampS: number; classIndex: number | null; className: string | null }[];
  trials: { className: string; startS: number; endS: number }[];
  /** Earliest first timestamp over the streams, or null when no stream has samples; times in the text output count from it. */
  firstSampleS: number | null;
  warnings: string[];
}

/** Opens a session and summarises its streams, labels and trials. */
export async function summariseSession(path: string): Promise<SessionSummary> {
  const session = await openSession(path);
  const streams: SessionSummary["streams"] = [];
  let firstSampleS: number | null = null;
  for (const info of session.streams) {
    let firstS: number | undefined;
    let lastS: number | undefined;
    let count = info.nSamples;
    if (info.kind === "numeric") {
      const recorded = await session.readStream(info.name);
      count = recorded.nSamples;
      firstS = recorded.timestamps[0];
      lastS = recorded.timestamps[recorded.nSamples - 1];
    } else {
      const events = await session.readMarkers(info.name);
      count = events.length;
      firstS = events[0]?.timestampS;
      lastS = events.at(-1)?.timestampS;
    }
    const durationS = firstS === undefined || lastS === undefined ? 0 : lastS - firstS;
    if (firstS !== undefined && (firstSampleS === null || firstS < firstSampleS)) {
      firstSampleS = firstS;
    }
    streams.push({
      name: info.name,
      kind: info.kind,
      nChannels: info.nChannels,
      nSamples: count,
      dtype: info.dtype,
      sampleRateHz: info.sampleRateHz,
      durationS,
      measuredRateHz: count >= 2 && durationS > 0 ? (count - 1) / durationS : null,
    });
  }
  return {
    name: session.name,
    path,
    appName: session.appName,
    created: session.created,
    schemaVersion: session.schemaVersion,
    classNames: [...session.classNames],
    streams,
    labels: session.labels.map((label) => ({
      timestampS: label.timestampS,
      classIndex: label.classIndex,
      className: label.classIndex === null ? null : (session.classNames[label.classIndex] ?? null),
    })),
    trials: session.trials().map((trial) => ({ className: trial.className, startS: trial.startS, endS: trial.endS })),
    warnings: [...session.warnings],
    firstSampleS,
  };
}

/** Formats a summary as the lines `myogestic inspect` prints. */
export function formatSessionSummary(summary: SessionSummary): string {
  const layout = summary.schemaVersion === null ? "Python layout" : `schema ${summary.schemaVersion}`;
  const lines = [
    `Session ${summary.name} (${layout})`,
    `  path      ${summary.path}`,
    `  app       ${summary.appName}`,
    `  created   ${summary.created}`,
    `  classes   ${summary.classNames.map((name, index) => `${index} ${name}`).join(", ") || "none"}`,
  ];
  for (const stream of summary.streams) {
    const rate = stream.sampleRateHz > 0 ? `${stream.sampleRateHz} Hz nominal` : "irregular rate";
    const measured = stream.measuredRateHz === null ? "" : `, ${stream.measuredRateHz.toFixed(2)} Hz measured`;
    const shape =
      stream.kind === "marker" ? `${stream.nSamples} markers` : `${stream.nSamples} samples × ${stream.nChannels} channels, ${stream.dtype}`;
    lines.push(`  stream    ${stream.name}: ${shape}, ${rate}, ${stream.durationS.toFixed(3)} s${measured}`);
  }
  const firstS = summary.firstSampleS ?? summary.labels[0]?.timestampS ?? 0;
  lines.push(`  labels    ${summary.labels.length} (times in s from the first sample, at ${firstS.toFixed(3)} s on the recording clock)`);
  for (const label of summary.labels) {
    lines.push(`    ${(label.timestampS - firstS).toFixed(3).padStart(8)} s  ${label.className ?? "(cue cleared)"}`);
  }
  lines.push(`  trials    ${summary.trials.length}`);
  for (const trial of summary.trials) {
    lines.push(
      `    ${trial.className}: ${(trial.startS - firstS).toFixed(3)} s to ${(trial.endS - firstS).toFixed(3)} s (${(trial.endS - trial.startS).toFixed(3)} s)`,
    );
  }
  for (const warning of summary.warnings) {
    lines.push(`  warning   ${warning}`);
  }
  return lines.join("\n");
}
