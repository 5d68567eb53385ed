/**
 * Reading XDF files, the format LabRecorder writes Lab Streaming Layer recordings in.
 *
 * @module myogestic/xdf
 */
export { MAX_XDF_FILE_BYTES, parseXdf, readXdf, XdfFormatError } from "./read.js";
export { correctTimestamps, fitClockCorrection } from "./clock.js";
export { XDF_BOUNDARY_UUID, XDF_MAGIC, XDF_TAG } from "./bytes.js";
export { DEFAULT_MAX_CHANNEL_COUNT } from "./stream-info.js";
export { importXdfFile, type ImportedXdfStream, type ImportXdfOptions, type ImportXdfResult } from "./import-session.js";
export type {
  XdfClockCorrection,
  XdfClockOffsets,
  XdfFile,
  XdfNumericFormat,
  XdfNumericStream,
  XdfReadOptions,
  XdfStream,
  XdfStringStream,
} from "./types.js";
