/** DOM views for each node type: created once per node, then updated in place. */

import { PlotView } from "./plot.js";
import type { ClientMessage, NodeType } from "./protocol.js";

/** The DOM of one node; `container` is where the node's children go, if it has any. */
export interface View {
  readonly type: NodeType;
  readonly element: HTMLElement;
  readonly container: HTMLElement | undefined;
  update(props: Record<string, unknown>): void;
  dispose?(): void;
  plot?: PlotView;
}

export type Send = (message: ClientMessage) => void;

/** Distance from the end, in CSS pixels, within which a log counts as scrolled to the end. */
const LOG_END_SLACK_PX = 4;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className !== undefined) element.className = className;
  return element;
}

function str(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
}

function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** Creates the view for a node of `type`; an unknown type gets a visible placeholder. */
export function createView(id: string, type: NodeType, send: Send): View {
  switch (type) {
    case "root":
      return containerView(type, el("main", "root"));
    case "panel":
      return panelView();
    case "grid":
      return gridView();
    case "row":
      return containerView(type, el("div", "row"));
    case "text":
      return textView();
    case "heading":
      return simpleTextView(type, el("h3", "heading"));
    case "pill":
      return pillView();
    case "button":
      return buttonView(id, send);
    case "checkbox":
      return checkboxView(id, send);
    case "progress":
      return progressView();
    case "log":
      return logView(id, send);
    case "plot":
      return plotView(id, send);
    case "cue":
      return cueView();
    case "matrix":
      return matrixView();
    default:
      return unknownView(type);
  }
}

function containerView(type: NodeType, element: HTMLElement): View {
  return { type, element, container: element, update() {} };
}

function panelView(): View {
  const element = el("section", "panel");
  const title = el("h2", "panel-title");
  const body = el("div", "panel-body");
  element.append(title, body);
  return {
    type: "panel",
    element,
    container: body,
    update(props) {
      setText(title, str(props.title));
      title.hidden = title.textContent === "";
    },
  };
}

function gridView(): View {
  const element = el("div", "grid");
  return {
    type: "grid",
    element,
    container: element,
    update(props) {
      const columns = typeof props.columns === "number" && props.columns > 0 ? props.columns : 2;
      element.style.gridTemplateColumns = `repeat(${Math.round(columns)}, minmax(0, 1fr))`;
    },
  };
}

function textView(): View {
  const element = el("p", "text");
  return {
    type: "text",
    element,
    container: undefined,
    update(props) {
      setText(element, str(props.text));
      const tone = str(props.tone) || "normal";
      element.className = `text tone-${tone}`;
    },
  };
}

function simpleTextView(type: NodeType, element: HTMLElement): View {
  return {
    type,
    element,
    container: undefined,
    update(props) {
      setText(element, str(props.text));
    },
  };
}

function pillView(): View {
  const element = el("span", "pill");
  return {
    type: "pill",
    element,
    container: undefined,
    update(props) {
      setText(element, str(props.text));
      const color = str(props.color);
      if (color === "") element.style.removeProperty("--pill-color");
      else element.style.setProperty("--pill-color", color);
    },
  };
}

function buttonView(id: string, send: Send): View {
  // The wrapper carries the hover: a disabled <button> itself gets no pointer events.
  const element = el("span", "button-wrap");
  const button = el("button", "button");
  button.type = "button";
  const reason = el("span", "reason");
  reason.setAttribute("role", "tooltip");
  element.append(button, reason);
  button.addEventListener("click", () => send({ type: "click", id }));
  return {
    type: "button",
    element,
    container: undefined,
    update(props) {
      setText(button, str(props.label));
      const disabled = props.disabled === true;
      const reasonText = disabled ? str(props.reason) : "";
      button.disabled = disabled;
      button.classList.toggle("active", props.active === true);
      setText(reason, reasonText);
      reason.hidden = reasonText === "";
      if (reasonText === "") {
        element.removeAttribute("title");
        button.removeAttribute("title");
      } else {
        element.title = reasonText;
        button.title = reasonText;
      }
    },
  };
}

function checkboxView(id: string, send: Send): View {
  const element = el("label", "checkbox");
  const input = el("input");
  input.type = "checkbox";
  const text = el("span");
  element.append(input, text);
  input.addEventListener("change", () => send({ type: "toggle", id, checked: input.checked }));
  return {
    type: "checkbox",
    element,
    container: undefined,
    update(props) {
      setText(text, str(props.label));
      input.checked = props.checked === true;
    },
  };
}

function progressView(): View {
  const element = el("div", "progress");
  const label = el("span", "progress-label");
  const track = el("div", "progress-track");
  const bar = el("div", "progress-bar");
  const percent = el("span", "progress-percent");
  track.append(bar);
  element.append(label, track, percent);
  track.setAttribute("role", "progressbar");
  track.setAttribute("aria-valuemin", "0");
  track.setAttribute("aria-valuemax", "100");
  return {
    type: "progress",
    element,
    container: undefined,
    update(props) {
      const raw = typeof props.fraction === "number" ? props.fraction : 0;
      const fraction = Number.isFinite(raw) ? Math.min(1, Math.max(0, raw)) : 0;
      const value = Math.round(fraction * 100);
      setText(label, str(props.label));
      label.hidden = label.textContent === "";
      bar.style.width = `${fraction * 100}%`;
      setText(percent, `${value}%`);
      track.setAttribute("aria-valuenow", String(value));
    },
  };
}

function logView(id: string, send: Send): View {
  const element = el("pre", "log");
  // `follow` is what the user last chose; the server's value replaces it when that changes.
  let follow = true;
  let serverFollow: boolean | undefined;

  const atEnd = (): boolean =>
    element.scrollHeight - element.scrollTop - element.clientHeight <= LOG_END_SLACK_PX;
  const keepAtEnd = (): void => {
    if (follow && !atEnd()) element.scrollTop = element.scrollHeight;
  };

  // Scrolling to the end from code leaves `follow` true, so only the user's scrolls send a message.
  element.addEventListener("scroll", () => {
    const end = atEnd();
    if (end === follow) return;
    follow = end;
    send({ type: "follow", id, follow });
  });
  // A detached element has no layout, so the first scroll to the end waits for the first layout.
  const resizeObserver = new ResizeObserver(keepAtEnd);
  resizeObserver.observe(element);

  return {
    type: "log",
    element,
    container: undefined,
    update(props) {
      const lines = Array.isArray(props.lines) ? props.lines.map(str) : [];
      const propFollow = props.follow !== false;
      if (propFollow !== serverFollow) {
        serverFollow = propFollow;
        follow = propFollow;
      }
      setText(element, lines.join("\n"));
      keepAtEnd();
    },
    dispose() {
      resizeObserver.disconnect();
    },
  };
}

function plotView(id: string, send: Send): View {
  const plot = new PlotView((widthPx) => send({ type: "plotWidth", id, widthPx }));
  return {
    type: "plot",
    element: plot.element,
    container: undefined,
    plot,
    update(props) {
      plot.update(props);
    },
    dispose() {
      plot.dispose();
    },
  };
}

function cueView(): View {
  const element = el("div", "cue");
  const text = el("div", "cue-text");
  const next = el("div", "cue-next");
  const countdown = el("div", "cue-countdown");
  element.append(text, countdown, next);
  return {
    type: "cue",
    element,
    container: undefined,
    update(props) {
      setText(text, str(props.text) || "—");
      const nextText = str(props.nextText);
      setText(next, nextText === "" ? "" : `Next: ${nextText}`);
      next.hidden = nextText === "";
      const seconds = typeof props.countdownS === "number" ? props.countdownS : NaN;
      const showCountdown = Number.isFinite(seconds) && seconds >= 0;
      setText(countdown, showCountdown ? `${Math.ceil(seconds)} s` : "");
      countdown.hidden = !showCountdown;
    },
  };
}

function matrixView(): View {
  const element = el("figure", "matrix");
  const title = el("figcaption");
  const table = el("table");
  element.append(title, table);
  return {
    type: "matrix",
    element,
    container: undefined,
    update(props) {
      setText(title, str(props.title));
      title.hidden = title.textContent === "";
      fillMatrix(table, props);
    },
  };
}

/** Rebuilds the table, shading each cell by its value over its row's total. */
function fillMatrix(table: HTMLTableElement, props: Record<string, unknown>): void {
  const rowLabels = Array.isArray(props.rowLabels) ? props.rowLabels.map(str) : [];
  const columnLabels = Array.isArray(props.columnLabels) ? props.columnLabels.map(str) : [];
  const cells = Array.isArray(props.cells) ? props.cells : [];

  const head = el("thead");
  const headRow = el("tr");
  headRow.append(el("th"));
  for (const label of columnLabels) {
    const th = el("th");
    th.scope = "col";
    th.textContent = label;
    headRow.append(th);
  }
  head.append(headRow);

  const body = el("tbody");
  cells.forEach((row: unknown, rowIndex) => {
    const values = Array.isArray(row)
      ? row.map((v: unknown) => (typeof v === "number" ? v : NaN))
      : [];
    const total = values.reduce((sum, v) => (Number.isFinite(v) ? sum + v : sum), 0);
    const tr = el("tr");
    const th = el("th");
    th.scope = "row";
    th.textContent = rowLabels[rowIndex] ?? "";
    tr.append(th);
    for (const value of values) {
      const td = el("td");
      td.textContent = Number.isFinite(value) ? formatCell(value) : "";
      const share = total > 0 && Number.isFinite(value) ? Math.max(0, value / total) : 0;
      td.style.setProperty("--share", share.toFixed(3));
      if (share > 0.55) td.classList.add("strong");
      tr.append(td);
    }
    body.append(tr);
  });
  table.replaceChildren(head, body);
}

function formatCell(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function unknownView(type: string): View {
  const element = el("div", "unknown");
  element.textContent = `Unknown widget type "${type}"`;
  return { type: type as NodeType, element, container: element, update() {} };
}
