import type { Stream } from "../stream/stream.js";
import type { UiNode, UiNodeType } from "./tree.js";

/** Input from browsers, applied before the frame that reads it. */
export type UiInput =
  | { readonly type: "click"; readonly id: string }
  | { readonly type: "toggle"; readonly id: string; readonly checked: boolean }
  | { readonly type: "follow"; readonly id: string; readonly follow: boolean }
  | { readonly type: "plotWidth"; readonly id: string; readonly widthPx: number };

/** A plot drawn this frame: the stream and span its envelope is built from. */
export interface UiPlot {
  readonly id: string;
  readonly stream: Stream;
  readonly spanMs: number;
  readonly widthPx: number;
}

/** Options shared by widgets: an explicit id, unique among the widget's siblings. */
export interface WidgetOptions {
  readonly id?: string;
}

/** Options of {@link Ui.button}. */
export interface ButtonOptions extends WidgetOptions {
  /** Disables the button; a string is the reason shown when hovering it. */
  readonly disabled?: boolean | string;
  /** Draws the button as pressed or highlighted. */
  readonly active?: boolean;
}

/**
 * The immediate-mode widget API. The app's `ui` callback runs once per frame and calls these
 * functions; each call adds a node to the frame's tree. Widget state that must survive frames
 * (a checkbox's value, a log's follow-tail state, a popout) is kept by the widget's id. A button
 * returns true on the first frame after its click arrives.
 */
export class Ui {
  #nodes = new Map<string, UiNode & { children: string[] }>();
  #stack: string[] = [];
  #clicks = new Set<string>();
  #pendingClicks = new Set<string>();
  #plots: UiPlot[] = [];
  readonly #state = new Map<string, unknown>();
  readonly #plotWidths = new Map<string, number>();

  /** Applies input from a browser; clicks take effect on the next frame. */
  applyInput(input: UiInput): void {
    // Only widgets of the last frame accept input, so made-up ids cannot grow the state.
    const target = this.#nodes.get(input.id);
    const expected = { click: "button", toggle: "checkbox", follow: "log", plotWidth: "plot" }[input.type];
    if (target === undefined || target.type !== expected) {
      return;
    }
    switch (input.type) {
      case "click":
        this.#pendingClicks.add(input.id);
        break;
      case "toggle":
        this.#state.set(input.id, input.checked === true);
        break;
      case "follow":
        this.#state.set(input.id, input.follow === true);
        break;
      case "plotWidth":
        if (Number.isInteger(input.widthPx) && input.widthPx > 0 && input.widthPx <= 8192) {
          this.#plotWidths.set(input.id, input.widthPx);
        }
        break;
    }
  }

  /** Runs one frame of `draw` and returns its tree and the plots it drew. */
  frame(draw: (ui: Ui) => void): { nodes: ReadonlyMap<string, UiNode>; plots: readonly UiPlot[] } {
    this.#clicks = this.#pendingClicks;
    this.#pendingClicks = new Set();
    this.#nodes = new Map();
    this.#plots = [];
    this.#nodes.set("root", { id: "root", type: "root", props: {}, children: [] });
    this.#stack = ["root"];
    draw(this);
    this.#stack = [];
    return { nodes: this.#nodes, plots: this.#plots };
  }

  /** Draws a titled card containing the widgets `body` draws. */
  panel(title: string, body: () => void, options: WidgetOptions = {}): void {
    this.#container("panel", options.id ?? title, { title }, body);
  }

  /** Draws a grid of `columns` columns containing the widgets `body` draws, in reading order. */
  grid(columns: number, body: () => void, options: WidgetOptions = {}): void {
    this.#container("grid", options.id ?? "grid", { columns }, body);
  }

  /** Draws a horizontal row of the widgets `body` draws. */
  row(body: () => void, options: WidgetOptions = {}): void {
    this.#container("row", options.id ?? "row", {}, body);
  }

  text(text: string, options: WidgetOptions & { tone?: "normal" | "muted" | "error" | "ok" } = {}): void {
    this.#leaf("text", options.id ?? "text", { text, tone: options.tone ?? "normal" });
  }

  heading(text: string, options: WidgetOptions = {}): void {
    this.#leaf("heading", options.id ?? "heading", { text });
  }

  /** Draws a coloured rounded label, such as the app state. */
  pill(text: string, color: string, options: WidgetOptions = {}): void {
    this.#leaf("pill", options.id ?? "pill", { text, color });
  }

  /** A button; returns true on the first frame after a click arrives, unless disabled. */
  button(label: string, options: ButtonOptions = {}): boolean {
    const disabled = options.disabled !== undefined && options.disabled !== false;
    const reason = typeof options.disabled === "string" ? options.disabled : "";
    const id = this.#leaf("button", options.id ?? label, { label, disabled, reason, active: options.active === true });
    return !disabled && this.#clicks.has(id);
  }

  /** A checkbox; returns its state, which starts as `initial` and changes with the browser's toggles. */
  checkbox(label: string, initial = false, options: WidgetOptions = {}): boolean {
    const id = this.#childId(options.id ?? label);
    const checked = (this.#state.get(id) as boolean | undefined) ?? initial;
    this.#leaf("checkbox", options.id ?? label, { label, checked });
    return checked;
  }

  /** Draws a progress bar, with `fraction` clamped to 0..1. */
  progress(fraction: number, label = "", options: WidgetOptions = {}): void {
    const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
    this.#leaf("progress", options.id ?? "progress", { fraction: clamped, label });
  }

  /**
   * Draws a read-only log that follows its tail until the user scrolls up, and returns whether it
   * follows. `follow` in the options forces the state, for a follow-tail toggle drawn elsewhere.
   */
  log(lines: readonly string[], options: WidgetOptions & { follow?: boolean; maxLines?: number } = {}): boolean {
    const id = this.#childId(options.id ?? "log");
    if (options.follow !== undefined) {
      this.#state.set(id, options.follow);
    }
    const follow = (this.#state.get(id) as boolean | undefined) ?? true;
    const maxLines = options.maxLines ?? 500;
    this.#leaf("log", options.id ?? "log", { lines: lines.slice(-maxLines), follow });
    return follow;
  }

  /** Draws a plot of a stream's newest `spanMs`, sent as min/max envelopes sized to its drawn width. */
  plot(stream: Stream, options: WidgetOptions & { spanMs?: number; heightPx?: number; label?: string } = {}): void {
    const spanMs = options.spanMs ?? Math.min(5000, stream.bufferMs);
    const id = this.#leaf("plot", options.id ?? `plot ${stream.name}`, {
      nChannels: stream.nChannels,
      heightPx: options.heightPx ?? Math.max(160, 24 * stream.nChannels),
      spanMs,
      label: options.label ?? stream.name,
    });
    this.#plots.push({ id, stream, spanMs, widthPx: this.#plotWidths.get(id) ?? 600 });
  }

  /** Draws the cue for the person: the class to perform now, large, with the next and a countdown. */
  cue(text: string, options: WidgetOptions & { nextText?: string; countdownS?: number } = {}): void {
    this.#leaf("cue", options.id ?? "cue", { text, nextText: options.nextText ?? "", countdownS: options.countdownS ?? null });
  }

  /** Draws a table of numbers, such as a confusion matrix. */
  matrix(title: string, rowLabels: readonly string[], columnLabels: readonly string[], cells: readonly (readonly number[])[], options: WidgetOptions = {}): void {
    this.#leaf("matrix", options.id ?? title, { title, rowLabels, columnLabels, cells });
  }

  /** State kept by id across frames, for widgets built from these primitives. */
  state<T>(key: string, initial: T): { value: T } {
    const id = this.#childId(key);
    if (!this.#state.has(id)) {
      this.#state.set(id, initial);
    }
    const store = this.#state;
    return {
      get value() {
        return store.get(id) as T;
      },
      set value(next: T) {
        store.set(id, next);
      },
    };
  }

  #childId(key: string): string {
    return `${this.#stack.at(-1) ?? "root"}/${key}`;
  }

  #leaf(type: UiNodeType, key: string, props: Record<string, unknown>): string {
    const parent = this.#nodes.get(this.#stack.at(-1) ?? "root");
    let id = this.#childId(key);
    for (let n = 2; this.#nodes.has(id); n++) {
      id = `${this.#childId(key)}#${n}`;
    }
    this.#nodes.set(id, { id, type, props, children: [] });
    parent?.children.push(id);
    return id;
  }

  #container(type: UiNodeType, key: string, props: Record<string, unknown>, body: () => void): void {
    const id = this.#leaf(type, key, props);
    this.#stack.push(id);
    try {
      body();
    } finally {
      this.#stack.pop();
    }
  }
}
