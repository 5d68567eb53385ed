/**
 * The panel: an immediate-mode widget API run on the server once per frame, served to a
 * browser on 127.0.0.1 with an access token.
 *
 * @module myogestic/ui
 */
export { Ui, type ButtonOptions, type UiInput, type UiPlot, type WidgetOptions } from "./ui.js";
export { diffTree, type TreeDiff, type UiNode, type UiNodeType } from "./tree.js";
export { encodeEnvelopeFrame, ENVELOPE_FRAME_KIND } from "./envelope-frame.js";
export { drawDefaultPanel, STATE_COLORS, statusLine } from "./default-panel.js";
export { findWebRoot, startPanel } from "./panel.js";
export {
  loadModelButton,
  pipelinePanel,
  predictButton,
  predictDisabledReason,
  saveModelButton,
  trainButton,
  trainingLog,
} from "./widgets/ml.js";
export {
  appLog,
  cueDisplay,
  predictionLabel,
  recordingControls,
  signalViewer,
  trainingResults,
} from "./widgets/app-widgets.js";
export { sessionManager } from "./widgets/session-manager.js";
