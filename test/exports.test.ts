import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

// The built package, imported through its own name as a user's code imports it.
const ENTRY_POINTS: Record<string, string[]> = {
  myogestic: [
    "App",
    "CORE_TRANSITIONS",
    "Context",
    "CueSchedule",
    "DEFAULT_LOG_CAPACITY",
    "Recording",
    "SHUTDOWN_SIGNALS",
    "STREAM_DEFAULTS",
    "SimulatedClock",
    "StateTable",
    "Stream",
    "TypedEmitter",
    "UserLog",
    "formatLogEntry",
    "localClockS",
    "systemClock",
  ],
  "myogestic/stream": ["MarkerBuffer", "STREAM_DEFAULTS", "SampleRing", "Stream", "buildEnvelope"],
  "myogestic/sources": ["FilteredSource", "REPLAY_DEFAULTS", "ReplaySource", "SYNTHETIC_EMG_DEFAULTS", "SyntheticEmgSource"],
  "myogestic/recipes": [
    "BUTTERWORTH_DEFAULTS",
    "FEATURE_DEFAULTS",
    "FEATURE_GROUPS",
    "FEATURE_GROUP_NAMES",
    "FEATURE_NAMES",
    "KNN_DEFAULTS",
    "KNearestNeighbors",
    "LinearDiscriminant",
    "METRIC_DEFAULTS",
    "NOTCH_DEFAULTS",
    "SOS_FILTER_DEFAULTS",
    "SosFilter",
    "StandardScaler",
    "activeError",
    "ar",
    "bandpass",
    "bandstop",
    "butter",
    "cascade",
    "classificationAccuracy",
    "computeMetrics",
    "confusionMatrix",
    "dasdv",
    "extractFeatureRows",
    "extractFeatures",
    "extractGroup",
    "extractGroupRows",
    "featureColumnLabels",
    "groupColumnLabels",
    "hasNonFinite",
    "highpass",
    "htd",
    "iav",
    "iirnotch",
    "instability",
    "irf",
    "ld",
    "lowpass",
    "ls",
    "m0",
    "m2",
    "m4",
    "mav",
    "mdf",
    "mfl",
    "mnf",
    "mnp",
    "msr",
    "notch",
    "precisionRecallF1",
    "rejectionRate",
    "rms",
    "sosfiltZi",
    "sparsi",
    "ssc",
    "validateSections",
    "validateWindow",
    "variance",
    "wamp",
    "wl",
    "wlf",
    "zc",
  ],
  "myogestic/ml": [
    "FixedRateLoop",
    "MAX_MODEL_DEPTH",
    "MODEL_FILE_MAGIC",
    "MODEL_FILE_VERSION",
    "ModelFileError",
    "PIPELINE_DEFAULTS",
    "Pipeline",
    "PipelineState",
    "TRAIN_LOG_CAPACITY",
    "WindowClassifier",
    "checkFeatureSpec",
    "checkTrainedOn",
    "decodeModel",
    "encodeModel",
    "evaluateOffline",
    "extractFeatureRow",
    "loadModelFile",
    "readModelFileInfo",
    "readModelInfo",
    "registerModelKind",
    "saveModelFile",
    "streamSetup",
    "trainClassifier",
  ],
  "myogestic/ui": [
    "ENVELOPE_FRAME_KIND",
    "STATE_COLORS",
    "Ui",
    "appLog",
    "cueDisplay",
    "diffTree",
    "drawDefaultPanel",
    "encodeEnvelopeFrame",
    "findWebRoot",
    "loadModelButton",
    "pipelinePanel",
    "predictButton",
    "predictDisabledReason",
    "predictionLabel",
    "recordingControls",
    "saveModelButton",
    "sessionManager",
    "signalViewer",
    "startPanel",
    "statusLine",
    "trainButton",
    "trainingLog",
    "trainingResults",
  ],
  "myogestic/session": [
    "ARCHIVE_MAX_ENTRY_BYTES",
    "ArchiveStore",
    "CsvFormatError",
    "FolderStore",
    "MARKER_DTYPE",
    "SESSION_SCHEMA_VERSION",
    "SESSION_WRITER_DEFAULTS",
    "SessionWriter",
    "TrainingData",
    "ZARR_MAX_CHUNKS",
    "ZARR_MAX_CHUNK_BYTES",
    "ZARR_MAX_ELEMENTS",
    "ZarrAppendWriter",
    "compareNatural",
    "defaultSessionName",
    "formatZarrMetadata",
    "importLibemgDataset",
    "iterAlignedWindows",
    "iterLabeledWindows",
    "listLibemgDataset",
    "listSessions",
    "openSession",
    "openSessionStore",
    "packFolder",
    "parseLibemgFileName",
    "parseNumericCsv",
    "parseZarrMetadata",
    "readLibemgCsv",
    "readZarrArray",
    "readZarrMetadata",
    "readZarrRows",
    "zarrChunkKey",
  ],
};

describe("package entry points", () => {
  for (const [specifier, expected] of Object.entries(ENTRY_POINTS)) {
    it(`${specifier} exports exactly its listed names`, async () => {
      const module = (await import(specifier)) as Record<string, unknown>;
      expect(Object.keys(module).sort()).toEqual([...expected].sort());
    });
  }

  it("package.json lists exactly these entry points", async () => {
    const manifest = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as {
      exports: Record<string, unknown>;
      bin: Record<string, string>;
    };
    const names = Object.keys(manifest.exports)
      .filter((key) => key !== "./package.json")
      .map((key) => (key === "." ? "myogestic" : `myogestic/${key.slice(2)}`));
    expect(names.sort()).toEqual(Object.keys(ENTRY_POINTS).sort());
    expect(manifest.bin).toEqual({ myogestic: "./dist/cli/bin.js" });
  });

  it("every exported name has a page in the API reference", async () => {
    const index = await readFile(new URL("../docs/api/index.md", import.meta.url), "utf8").catch(() => "");
    expect(index, "docs/api/index.md is missing; run npm run docs").not.toBe("");
    const { readdir } = await import("node:fs/promises");
    const files = await readdir(new URL("../docs/api/", import.meta.url), { recursive: true });
    const pages = new Set(files.map((file) => String(file).split("/").pop()?.replace(/\.md$/, "")));
    for (const names of Object.values(ENTRY_POINTS)) {
      for (const name of names) {
        expect(pages.has(name), `no API page for ${name}`).toBe(true);
      }
    }
  });
});
