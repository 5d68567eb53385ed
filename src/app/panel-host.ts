import type { App } from "./app.js";

/** The app's `ui` callback, run once per frame with the widget API. */
export type UiCallback = (ui: never) => void;

/** Options of the panel `app.run()` serves. */
export interface PanelRunOptions {
  /** First port to try; the next free one is used when it is taken. Default 8765. */
  readonly port?: number;
  /** Interface to serve on. Default 127.0.0.1; another needs `allowRemote`. */
  readonly host?: string;
  /** Allows serving on an interface other than loopback. Default false. */
  readonly allowRemote?: boolean;
  /** Frames per second while a browser is connected. Default 30. */
  readonly frameHz?: number;
  /** Plot envelopes sent a second while a browser is connected, apart from the widget frames. Default 60. */
  readonly plotHz?: number;
}

/** A served panel, as the ui layer starts it for `app.run()`. */
export interface PanelHandle {
  readonly url: string;
  readonly warnings: readonly string[];
  stop(): Promise<void>;
}

/** Starts a panel for an app; the ui layer registers one when the main entry point is imported. */
export type PanelStarter = (app: App, draw: UiCallback | undefined, options: PanelRunOptions) => Promise<PanelHandle>;

let starter: PanelStarter | undefined;

/** Registers the function `app.run()` uses to serve the panel. */
export function registerPanelStarter(start: PanelStarter): void {
  starter = start;
}

/** Returns the registered panel starter, if any. */
export function panelStarter(): PanelStarter | undefined {
  return starter;
}
