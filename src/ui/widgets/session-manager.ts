import type { App } from "../../app/app.js";
import { listSessions, TrainingData } from "../../session/training-data.js";
import type { Ui } from "../ui.js";

interface Listing {
  paths: string[];
  error: string | undefined;
  loadedAtS: number;
  loading: boolean;
  /** The app's state when the folder was last listed; a change lists it again. */
  state: string;
}

const listings = new WeakMap<Ui, Map<string, Listing>>();

/**
 * Draws the sessions in `folder` with a checkbox each, and a checkbox per class, and returns the
 * ticked sessions and classes as {@link TrainingData} (empty when none is ticked). The folder is
 * listed again every `refreshS` seconds and on Refresh; only sessions directly inside it are
 * offered, so nothing outside the folder the app was given can be picked.
 */
export function sessionManager(
  ui: Ui,
  app: App,
  options: { folder: string; classNames?: readonly string[]; refreshS?: number },
): TrainingData {
  const classNames = options.classNames ?? app.classNames;
  let byFolder = listings.get(ui);
  if (byFolder === undefined) {
    byFolder = new Map();
    listings.set(ui, byFolder);
  }
  let listing = byFolder.get(options.folder);
  if (listing === undefined) {
    listing = { paths: [], error: undefined, loadedAtS: Number.NEGATIVE_INFINITY, loading: false, state: app.ctx.state };
    byFolder.set(options.folder, listing);
  }
  const current = listing;
  const refresh = () => {
    if (current.loading) {
      return;
    }
    current.loading = true;
    listSessions(options.folder).then(
      (paths) => {
        current.paths = paths;
        current.error = undefined;
      },
      (error: NodeJS.ErrnoException) => {
        current.paths = [];
        current.error = error.code === "ENOENT" ? `No sessions yet in ${options.folder}` : error.message;
      },
    ).finally(() => {
      current.loading = false;
      current.loadedAtS = app.clock.now();
    });
  };
  if (current.state !== app.ctx.state) {
    current.state = app.ctx.state;
    current.loadedAtS = Number.NEGATIVE_INFINITY;
  }
  if (app.clock.now() - current.loadedAtS > (options.refreshS ?? 2)) {
    refresh();
  }
  // The recording in progress is not a session to train on yet.
  const recordingFolder = app.ctx.recording?.folder;

  const ticked: string[] = [];
  const classes: number[] = [];
  ui.panel("Sessions", () => {
    if (ui.button("Refresh", { id: "refresh" })) {
      current.loadedAtS = Number.NEGATIVE_INFINITY;
    }
    if (current.error !== undefined) {
      ui.text(current.error, { id: "sessions error", tone: "muted" });
    }
    for (const path of current.paths.filter((candidate) => candidate !== recordingFolder)) {
      const name = path.slice(options.folder.length).replace(/^[\\/]+/, "");
      if (ui.checkbox(name, true, { id: `session ${name}` })) {
        ticked.push(path);
      }
    }
    ui.row(
      () => {
        for (const [index, className] of classNames.entries()) {
          if (ui.checkbox(className, true, { id: `class ${index}` })) {
            classes.push(index);
          }
        }
      },
      { id: "classes" },
    );
  });
  return new TrainingData({ paths: ticked, classNames, classes });
}
