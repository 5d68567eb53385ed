import type { App } from "../app/app.js";
import type { CurrentSetup } from "./model-provenance.js";

/**
 * Describes a stream of a running app as a model-file setup, so `loadModelFile(path, { expect })`
 * rejects a model trained on another stream with a message listing each difference.
 */
export function streamSetup(app: App, streamName: string): CurrentSetup {
  const stream = app.stream(streamName);
  if (stream.info === undefined) {
    throw new Error(`stream ${streamName} has not opened yet; start the app before loading a model for it`);
  }
  return {
    streamName,
    nChannels: stream.nChannels,
    sampleRateHz: stream.sampleRateHz,
    windowMs: stream.windowMs,
    ...(app.classNames.length === 0 ? {} : { classNames: [...app.classNames] }),
  };
}
