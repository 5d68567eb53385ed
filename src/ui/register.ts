// Imported by the main entry point, so that app.run() can serve the panel.
import { registerPanelStarter } from "../app/panel-host.js";
import { startPanel } from "./panel.js";

registerPanelStarter((app, draw, options) => startPanel(app, draw as never, options));
