import type { App } from "../app/app.js";
import type { Ui } from "./ui.js";

/** Colours of the state pill, by state. */
export const STATE_COLORS: Readonly<Record<string, string>> = {
  idle: "#6b7280",
  recording: "#dc2626",
  training: "#d97706",
  predicting: "#059669",
};

/** Draws the status line: the state as a coloured pill and the status message. */
export function statusLine(ui: Ui, app: App): void {
  ui.row(
    () => {
      ui.pill(app.ctx.state, STATE_COLORS[app.ctx.state] ?? "#6b7280", { id: "state" });
      ui.text(app.ctx.statusMessage, { id: "status" });
    },
    { id: "status line" },
  );
}

/** Draws the panel of an app without a `ui` callback: status, every numeric stream, the log. */
export function drawDefaultPanel(ui: Ui, app: App): void {
  statusLine(ui, app);
  for (const stream of app.ctx.streams.values()) {
    ui.panel(`Stream ${stream.name}`, () => {
      ui.text(stream.status.message, { id: "stream status", tone: stream.status.state === "error" ? "error" : "muted" });
      if (stream.kind === "numeric") {
        ui.plot(stream);
      }
    });
  }
  ui.panel("Log", () => {
    ui.log(app.ctx.userLog.entries.map((entry) => entry.text));
  });
}
