/** Messages between the main thread and a training worker. */

/** What the worker receives in `workerData`. */
export interface TrainWorkerData {
  /** URL of the user's module whose default export is the train function. */
  readonly moduleUrl: string;
  readonly trainingData: {
    readonly paths: readonly string[];
    readonly classNames: readonly string[];
    readonly classes: readonly number[];
  };
}

/** A message the worker posts to the main thread. */
export type TrainWorkerMessage =
  | { readonly type: "log"; readonly line: string }
  | { readonly type: "progress"; readonly fraction: number; readonly message: string }
  | { readonly type: "done"; readonly model: Uint8Array }
  | { readonly type: "failed"; readonly message: string; readonly stack: string };
