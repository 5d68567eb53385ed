/** The training setup of a model, stored in the model file's header. */
export interface TrainedOn {
  /** Name of the stream whose windows the model reads. */
  readonly streamName: string;
  readonly nChannels: number;
  readonly sampleRateHz: number;
  readonly windowMs: number;
  /** Class names, by class index. */
  readonly classNames: readonly string[];
  /** The feature set: feature names in row order, or a group name such as `HTD` as one entry. */
  readonly features: readonly string[];
}

/** The setup a model is about to be used with; only the fields given are compared. */
export type CurrentSetup = Partial<TrainedOn>;

const TRAINED_ON_KEYS = ["streamName", "nChannels", "sampleRateHz", "windowMs", "classNames", "features"] as const;

/**
 * Checks that `value` is a complete {@link TrainedOn} and returns the first problem as a
 * sentence, or undefined when it is valid. Extra keys are problems too, so that a misspelt key
 * is not silently dropped.
 */
export function findTrainedOnProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "trainedOn must be an object";
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(TRAINED_ON_KEYS as readonly string[]).includes(key)) {
      return `trainedOn has an unknown key "${key}"; the keys are ${TRAINED_ON_KEYS.join(", ")}`;
    }
  }
  if (typeof record.streamName !== "string" || record.streamName === "") {
    return `trainedOn.streamName must be a non-empty string, got ${JSON.stringify(record.streamName)}`;
  }
  if (!(Number.isInteger(record.nChannels) && (record.nChannels as number) > 0)) {
    return `trainedOn.nChannels must be a positive integer, got ${String(record.nChannels)}`;
  }
  for (const key of ["sampleRateHz", "windowMs"] as const) {
    const number = record[key];
    if (!(typeof number === "number" && Number.isFinite(number) && number > 0)) {
      return `trainedOn.${key} must be a positive finite number, got ${String(number)}`;
    }
  }
  for (const key of ["classNames", "features"] as const) {
    const list = record[key];
    if (!Array.isArray(list) || !list.every((item) => typeof item === "string")) {
      return `trainedOn.${key} must be an array of strings`;
    }
  }
  return undefined;
}

/** Copies a valid {@link TrainedOn} into a fresh object with fresh arrays. */
export function copyTrainedOn(value: TrainedOn): TrainedOn {
  return {
    streamName: value.streamName,
    nChannels: value.nChannels,
    sampleRateHz: value.sampleRateHz,
    windowMs: value.windowMs,
    classNames: [...value.classNames],
    features: [...value.features],
  };
}

/**
 * Lists each difference between what a model was trained on and the current setup, one line
 * each, e.g. `channel count: model 8, stream 16`. Fields missing from `current` are not
 * compared. An empty list means the model fits.
 */
export function checkTrainedOn(trainedOn: TrainedOn, current: CurrentSetup): string[] {
  const differences: string[] = [];
  if (current.streamName !== undefined && current.streamName !== trainedOn.streamName) {
    differences.push(
      `stream name: model ${JSON.stringify(trainedOn.streamName)}, stream ${JSON.stringify(current.streamName)}`,
    );
  }
  if (current.nChannels !== undefined && current.nChannels !== trainedOn.nChannels) {
    differences.push(`channel count: model ${trainedOn.nChannels}, stream ${current.nChannels}`);
  }
  if (current.sampleRateHz !== undefined && current.sampleRateHz !== trainedOn.sampleRateHz) {
    differences.push(`sample rate: model ${trainedOn.sampleRateHz} Hz, stream ${current.sampleRateHz} Hz`);
  }
  if (current.windowMs !== undefined && current.windowMs !== trainedOn.windowMs) {
    differences.push(`window length: model ${trainedOn.windowMs} ms, stream ${current.windowMs} ms`);
  }
  if (current.classNames !== undefined && !sameStrings(current.classNames, trainedOn.classNames)) {
    differences.push(`class names: model ${formatStrings(trainedOn.classNames)}, current ${formatStrings(current.classNames)}`);
  }
  if (current.features !== undefined && !sameStrings(current.features, trainedOn.features)) {
    differences.push(`features: model ${formatStrings(trainedOn.features)}, current ${formatStrings(current.features)}`);
  }
  return differences;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

function formatStrings(list: readonly string[]): string {
  return `[${list.map((item) => JSON.stringify(item)).join(", ")}]`;
}
