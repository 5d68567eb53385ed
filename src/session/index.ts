/**
 * Recorded sessions: the on-disk layout shared with the Python MyoGestic system (Zarr v3 arrays,
 * `meta.json`, `labels.json`, `.session.zip`), reading and writing it, training data and window
 * iterators, and importers from other tools' data sets.
 *
 * @module myogestic/session
 */
export { openSession } from "./reader.js";
export {
  SESSION_SCHEMA_VERSION,
  type LabelEvent,
  type LabelEventFile,
  type RecordedStream,
  type RecordedStreamInfo,
  type Session,
  type SessionMetaFile,
  type StreamMetaFile,
  type Trial,
} from "./types.js";
export {
  defaultSessionName,
  SESSION_WRITER_DEFAULTS,
  SessionWriter,
  type SessionStreamSpec,
  type SessionWriterEvents,
  type SessionWriterOptions,
  type SessionWriterResult,
} from "./writer.js";
export { MARKER_DTYPE } from "./meta.js";
export { ARCHIVE_MAX_ENTRY_BYTES, ArchiveStore, openSessionStore, packFolder } from "./archive.js";
export { FolderStore, type SessionStore } from "./store.js";
export { readZarrArray, readZarrMetadata, readZarrRows, type ZarrRows } from "./zarr.js";
export { parseZarrMetadata } from "./zarr-parse.js";
export {
  formatZarrMetadata,
  ZARR_MAX_CHUNK_BYTES,
  ZARR_MAX_CHUNKS,
  ZARR_MAX_ELEMENTS,
  zarrChunkKey,
  type ZarrArrayMetadata,
  type ZarrCodec,
  type ZarrDataType,
  type ZarrTypedArray,
} from "./zarr-metadata.js";
export { ZarrAppendWriter, type ZarrAppendWriterOptions } from "./zarr-writer.js";
export { listSessions, TrainingData, type TrainingDataOptions } from "./training-data.js";
export {
  iterAlignedWindows,
  iterLabeledWindows,
  type AlignedWindow,
  type AlignedWindowOptions,
  type LabeledWindow,
  type LabeledWindowOptions,
} from "./windows.js";
export { importLibemgDataset, type ImportLibemgOptions, type ImportLibemgResult } from "./import-libemg.js";
export {
  compareNatural,
  listLibemgDataset,
  parseLibemgFileName,
  readLibemgCsv,
  type LibemgDataset,
  type LibemgFile,
} from "./libemg.js";
export { CsvFormatError, parseNumericCsv, type NumericCsv } from "./csv.js";
