import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { App } from "../app/app.js";
import type { PanelHandle, PanelRunOptions } from "../app/panel-host.js";
import { FixedRateLoop } from "../ml/loop.js";
import { encodeEnvelopeFrame } from "./envelope-frame.js";
import { PanelServer } from "./server.js";
import { diffTree } from "./tree.js";
import { Ui, type UiInput, type UiPlot } from "./ui.js";
import { drawDefaultPanel } from "./default-panel.js";

/** Finds the built browser page: `dist/web` beside the compiled package, or from the sources. */
export function findWebRoot(): string {
  const candidates = [new URL("../web/", import.meta.url), new URL("../../dist/web/", import.meta.url)];
  for (const candidate of candidates) {
    const path = fileURLToPath(candidate);
    if (existsSync(`${path}index.html`)) {
      return path;
    }
  }
  throw new Error("the panel's web page is not built; run npm run build");
}

const INPUT_TYPES = new Set(["click", "toggle", "follow", "plotWidth"]);

/**
 * Serves an app's panel: runs the `ui` callback once per frame while a browser is connected,
 * applies browser input in arrival order before each frame, and sends each browser the changed
 * nodes; the envelopes of the plots drawn in the latest frame go out at `plotHz`.
 */
export async function startPanel(app: App, draw: ((ui: Ui) => void) | undefined, options: PanelRunOptions): Promise<PanelHandle> {
  const server = new PanelServer({
    webRoot: findWebRoot(),
    appName: app.name,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.allowRemote === undefined ? {} : { allowRemote: options.allowRemote }),
  });
  const ui = new Ui();
  const sent = new Map<number, Map<string, string>>();
  const inputs: UiInput[] = [];
  let seq = 0;
  let plots: readonly UiPlot[] = [];
  const render = draw ?? ((u: Ui) => drawDefaultPanel(u, app));

  server.on("connection", ({ id }) => sent.set(id, new Map()));
  server.on("disconnect", ({ id }) => sent.delete(id));
  server.on("error", ({ error }) => {
    // A page closed without a goodbye is routine, not something to show the operator.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ECONNRESET" && code !== "EPIPE") {
      app.ctx.log(`Panel server: ${error.message}`);
    }
  });
  server.on("message", ({ message }) => {
    const input = message as unknown as UiInput;
    if (INPUT_TYPES.has(input.type) && typeof input.id === "string") {
      inputs.push(input);
    }
  });

  const frame = () => {
    if (server.connectionCount === 0) {
      return;
    }
    for (const input of inputs.splice(0)) {
      ui.applyInput(input);
    }
    let result: ReturnType<Ui["frame"]>;
    try {
      result = ui.frame(render);
    } catch (error) {
      app.ctx.statusMessage = `The panel's ui callback failed: ${(error as Error).message}`;
      return;
    }
    seq++;
    plots = result.plots;
    for (const [connection, state] of sent) {
      const diff = diffTree(result.nodes, state);
      if (diff.set.length > 0 || diff.remove.length > 0) {
        server.sendJson(connection, { type: "frame", seq, root: "root", set: diff.set, remove: diff.remove });
      }
    }
  };
  // Envelopes go out on their own rate, so a plot redraws with new data more often than the
  // widgets change. Only pages that already hold the widget tree receive them.
  const sendEnvelopes = () => {
    if (server.connectionCount === 0 || plots.length === 0) {
      return;
    }
    const envelopes: Uint8Array[] = [];
    for (const plot of plots) {
      if (plot.stream.info !== undefined && plot.stream.kind === "numeric") {
        const envelope = plot.stream.getDisplay(plot.widthPx, plot.spanMs);
        if (envelope !== undefined) {
          envelopes.push(encodeEnvelopeFrame(plot.id, envelope));
        }
      }
    }
    for (const [connection, state] of sent) {
      if (state.size === 0) {
        continue;
      }
      for (const bytes of envelopes) {
        server.sendBinary(connection, bytes);
      }
    }
  };
  const loop = new FixedRateLoop({ rateHz: options.frameHz ?? 30, clock: app.clock, tick: frame });
  const plotLoop = new FixedRateLoop({ rateHz: options.plotHz ?? 60, clock: app.clock, tick: sendEnvelopes });
  const started = await server.start();
  loop.start();
  plotLoop.start();
  return {
    url: started.url,
    warnings: started.warnings,
    stop: async () => {
      loop.stop();
      plotLoop.stop();
      await server.stop();
    },
  };
}
