import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { TrainingData } from "../session/training-data.js";
import { decodeModel } from "./model-file.js";
import type { TrainContext, TrainModule } from "./pipeline-types.js";
import type { TrainWorkerData, TrainWorkerMessage } from "./train-messages.js";

/** Resolves a train module given as a URL, a `file:` URL string or a file path. */
export function trainModuleUrl(module: string | URL): string {
  if (module instanceof URL) {
    return module.href;
  }
  return /^[a-z]+:/i.test(module) ? module : pathToFileURL(module).href;
}

/**
 * Starts a worker thread for the train script. From the compiled package the worker is the
 * compiled `train-worker.js`. When this file runs from TypeScript source (tests, `tsx`), the
 * worker first registers tsx, because it must import `.ts` modules.
 */
function startWorker(data: TrainWorkerData): Worker {
  const ownUrl = import.meta.url;
  if (ownUrl.endsWith(".ts")) {
    const tsxApi = import.meta.resolve("tsx/esm/api");
    const entry = new URL("./train-worker.ts", ownUrl).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(boot, { eval: true, workerData: data });
  }
  return new Worker(new URL("./train-worker.js", ownUrl), { workerData: data });
}

/**
 * Runs the default export of a train module on a worker thread; the returned `model` resolves
 * with the model rebuilt from its model-file form. Rejects with the worker's error (its stack attached) when the
 * train function throws, and with an exit error when the worker dies.
 */
export interface TrainRun {
  readonly model: Promise<unknown>;
  /** Stops the worker; the model promise rejects with `reason` unless it already settled. */
  cancel(reason: string): void;
}

export function runTrainModule(trainModule: TrainModule, data: TrainingData, context: TrainContext): TrainRun {
  const workerData: TrainWorkerData = {
    moduleUrl: trainModuleUrl(trainModule.module),
    trainingData: { paths: [...data.paths], classNames: [...data.classNames], classes: [...data.classes] },
  };
  const worker = startWorker(workerData);
  let cancel: (reason: string) => void = () => undefined;
  const model = new Promise<unknown>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (!settled) {
        settled = true;
        outcome();
      }
      // A train module may leave timers or handles behind; the worker must not outlive its result.
      void worker.terminate();
    };
    cancel = (reason) => finish(() => reject(new Error(reason)));
    worker.on("message", (message: TrainWorkerMessage) => {
      switch (message.type) {
        case "log":
        case "progress":
          try {
            if (message.type === "log") {
              context.log(message.line);
            } else {
              context.progress(message.fraction, message.message);
            }
          } catch (error) {
            finish(() => reject(error));
          }
          break;
        case "done":
          finish(() => {
            try {
              resolve(decodeModel(message.model, `model returned by ${workerData.moduleUrl}`));
            } catch (error) {
              reject(error);
            }
          });
          break;
        case "failed": {
          const error = new Error(message.message);
          error.stack = message.stack;
          finish(() => reject(error));
          break;
        }
      }
    });
    worker.on("error", (error) => finish(() => reject(error)));
    worker.on("exit", (code) => {
      finish(() => reject(new Error(`the training worker exited with code ${code} before returning a model`)));
    });
  });
  return { model, cancel: (reason) => cancel(reason) };
}
