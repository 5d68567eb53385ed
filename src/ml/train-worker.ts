// Runs inside a worker thread: imports the user's train module, runs its default export on the
// training data, and posts the model back in model-file form.
import { parentPort, workerData } from "node:worker_threads";
import { TrainingData } from "../session/training-data.js";
import { encodeModel } from "./model-file.js";
import type { TrainWorkerData, TrainWorkerMessage } from "./train-messages.js";

const port = parentPort;
if (port === null) {
  throw new Error("train-worker.js runs only as a worker thread");
}
const post = (message: TrainWorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
const input = workerData as TrainWorkerData;

try {
  const imported = (await import(input.moduleUrl)) as { default?: unknown };
  const train = imported.default;
  if (typeof train !== "function") {
    throw new TypeError(`${input.moduleUrl} has no default export function; export the train function as default`);
  }
  const data = new TrainingData(input.trainingData);
  const model: unknown = await train(data, {
    log: (line: string) => post({ type: "log", line: String(line) }),
    progress: (fraction: number, message = "") => post({ type: "progress", fraction, message }),
  });
  const bytes = encodeModel(model);
  post({ type: "done", model: bytes }, [bytes.buffer as ArrayBuffer]);
} catch (error) {
  const failure = error instanceof Error ? error : new Error(String(error));
  post({ type: "failed", message: failure.message, stack: failure.stack ?? failure.message });
}
