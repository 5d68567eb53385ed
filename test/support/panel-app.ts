// The public API a panel test uses, imported through the main entry point so the panel is loaded.
export { App } from "../../src/index.js";
export { Pipeline } from "../../src/ml/index.js";
export { SyntheticEmgSource } from "../../src/sources/index.js";
export { TrainingData } from "../../src/session/index.js";
export type { Ui } from "../../src/ui/index.js";
