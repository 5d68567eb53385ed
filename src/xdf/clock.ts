/**
 * Clock correction of XDF streams: a line fitted through a stream's clock offsets maps its
 * timestamps onto the recorder's clock.
 */
import type { XdfClockCorrection, XdfClockOffsets } from "./types.js";

/**
 * Fits `offset ≈ interceptS + slope · collectionTime` to a stream's clock offsets by ordinary
 * least squares, or returns their mean with slope 0 when a line cannot be fitted (one offset,
 * or every offset measured at the same time). Returns undefined without offsets.
 *
 * NOTE: pyxdf fits a robust (Huber) line and splits the offsets at clock resets. This plain
 * fit lets an outlier offset pull the line, and across a clock reset the corrected timestamps
 * are wrong.
 */
export function fitClockCorrection(offsets: XdfClockOffsets): XdfClockCorrection | undefined {
  const times = offsets.collectionTimeS;
  const values = offsets.offsetS;
  const count = Math.min(times.length, values.length);
  if (count === 0) {
    return undefined;
  }
  let meanTimeS = 0;
  let meanOffsetS = 0;
  for (let i = 0; i < count; i++) {
    meanTimeS += times[i] as number;
    meanOffsetS += values[i] as number;
  }
  meanTimeS /= count;
  meanOffsetS /= count;
  // Centring on the means keeps the sums small, because LSL clock readings are often 1e5 s or more.
  let covariance = 0;
  let variance = 0;
  for (let i = 0; i < count; i++) {
    const dt = (times[i] as number) - meanTimeS;
    covariance += dt * ((values[i] as number) - meanOffsetS);
    variance += dt * dt;
  }
  if (!(variance > 0)) {
    return { interceptS: meanOffsetS, slope: 0, method: "mean" };
  }
  const slope = covariance / variance;
  return { interceptS: meanOffsetS - slope * meanTimeS, slope, method: "least-squares" };
}

/** Returns `t + interceptS + slope · t` for each timestamp, or a copy of them without a correction. */
export function correctTimestamps(timestamps: Float64Array, correction: XdfClockCorrection | undefined): Float64Array {
  const corrected = new Float64Array(timestamps.length);
  if (correction === undefined) {
    corrected.set(timestamps);
    return corrected;
  }
  const { interceptS, slope } = correction;
  for (let i = 0; i < timestamps.length; i++) {
    const timestampS = timestamps[i] as number;
    corrected[i] = timestampS + interceptS + slope * timestampS;
  }
  return corrected;
}
