/** Canvas drawing of plot envelopes: one band per channel, each scaled to its own range. */

import type { Envelope } from "./protocol.js";

const CHANNEL_COLORS = ["#1f5fbf", "#c0392b", "#1e8449", "#8e44ad", "#b9770e", "#117a8b"];
const LABEL_FONT_PX = 11;
const DEFAULT_HEIGHT_PX = 200;

declare global {
  interface Window {
    /** Animation frames in which plots were drawn; the benchmark reads it to measure frames a second. */
    myogesticPlotFrames?: number;
    /** `performance.now()` of the latest of those frames, in ms. */
    myogesticPlotFrameMs?: number;
  }
}

/**
 * Calls `draw` on every plot marked dirty, once per animation frame. A plot with envelopes still
 * queued (two arrived within one frame) is marked again for the next frame, so each envelope is
 * shown for at least one frame.
 */
class DrawScheduler {
  #dirty = new Set<PlotView>();
  #frameRequested = false;

  mark(plot: PlotView): void {
    this.#dirty.add(plot);
    if (this.#frameRequested) return;
    this.#frameRequested = true;
    requestAnimationFrame(() => {
      this.#frameRequested = false;
      const plots = [...this.#dirty];
      this.#dirty.clear();
      for (const view of plots) {
        if (view.draw()) this.mark(view);
      }
      window.myogesticPlotFrames = (window.myogesticPlotFrames ?? 0) + 1;
      window.myogesticPlotFrameMs = performance.now();
    });
  }
}

/** Envelopes a plot keeps waiting to be drawn; older ones are dropped, which bounds the delay. */
const MAX_QUEUED_ENVELOPES = 2;

const scheduler = new DrawScheduler();

/** One plot widget: a label, a canvas, and the latest envelope received for it. */
export class PlotView {
  readonly element: HTMLElement;
  readonly #canvas: HTMLCanvasElement;
  readonly #label: HTMLElement;
  readonly #resizeObserver: ResizeObserver;
  readonly #reportWidth: (widthPx: number) => void;
  #envelope: Envelope | undefined;
  readonly #queue: Envelope[] = [];
  #nChannels = 1;
  #heightCssPx = DEFAULT_HEIGHT_PX;
  #widthDevicePx = 0;
  #reportedWidthPx = 0;
  #image: ImageData | undefined;

  /** `reportWidth` receives the canvas width in device pixels on first layout and on resize. */
  constructor(reportWidth: (widthPx: number) => void) {
    this.#reportWidth = reportWidth;
    this.element = document.createElement("figure");
    this.element.className = "plot";
    this.#label = document.createElement("figcaption");
    this.#canvas = document.createElement("canvas");
    this.element.append(this.#label, this.#canvas);
    this.#resizeObserver = new ResizeObserver(() => this.#measure());
    this.#resizeObserver.observe(this.#canvas);
  }

  update(props: Record<string, unknown>): void {
    this.#label.textContent = typeof props.label === "string" ? props.label : "";
    this.#label.hidden = this.#label.textContent === "";
    this.#nChannels = positiveInteger(props.nChannels, 1);
    this.#heightCssPx = positiveInteger(props.heightPx, DEFAULT_HEIGHT_PX);
    this.#canvas.style.height = `${this.#heightCssPx}px`;
    this.#measure();
    scheduler.mark(this);
  }

  setEnvelope(envelope: Envelope): void {
    this.#queue.push(envelope);
    if (this.#queue.length > MAX_QUEUED_ENVELOPES) this.#queue.shift();
    scheduler.mark(this);
  }

  /** Forgets the reported width so the next layout reports it again, as a new connection needs. */
  resendWidth(): void {
    this.#reportedWidthPx = 0;
    this.#measure();
  }

  dispose(): void {
    this.#resizeObserver.disconnect();
  }

  #measure(): void {
    const cssWidth = this.#canvas.clientWidth;
    if (cssWidth === 0) return;
    const ratio = window.devicePixelRatio || 1;
    this.#widthDevicePx = Math.round(cssWidth * ratio);
    const heightDevicePx = Math.round(this.#heightCssPx * ratio);
    if (this.#canvas.width !== this.#widthDevicePx || this.#canvas.height !== heightDevicePx) {
      this.#canvas.width = this.#widthDevicePx;
      this.#canvas.height = heightDevicePx;
      scheduler.mark(this);
    }
    if (this.#reportedWidthPx !== this.#widthDevicePx) {
      this.#reportedWidthPx = this.#widthDevicePx;
      this.#reportWidth(this.#widthDevicePx);
    }
  }

  /** Draws the next queued envelope (or redraws the last) and returns whether more are queued. */
  draw(): boolean {
    this.#envelope = this.#queue.shift() ?? this.#envelope;
    const more = this.#queue.length > 0;
    const context = this.#canvas.getContext("2d");
    if (context === null) return more;
    const { width, height } = this.#canvas;
    if (width === 0 || height === 0) return more;
    const envelope = this.#envelope;
    const nChannels = envelope?.nChannels ?? this.#nChannels;
    if (nChannels === 0) return more;
    const ratio = window.devicePixelRatio || 1;
    const bandHeight = height / nChannels;

    // The traces are written straight into a pixel buffer: with many channels this is several
    // times faster than thousands of canvas fill calls under software rendering.
    if (this.#image === undefined || this.#image.width !== width || this.#image.height !== height) {
      this.#image = context.createImageData(width, height);
    }
    const pixels = new Uint32Array(this.#image.data.buffer);
    pixels.fill(0);
    for (let channel = 0; channel < nChannels; channel++) {
      const top = channel * bandHeight;
      if (channel > 0) {
        const row = Math.round(top);
        const thickness = Math.max(1, Math.round(ratio));
        pixels.fill(SEPARATOR_PIXEL, row * width, Math.min(height, row + thickness) * width);
      }
      if (envelope !== undefined) drawChannel(pixels, width, envelope, channel, top, bandHeight);
    }
    context.putImageData(this.#image, 0, 0);
    for (let channel = 0; channel < nChannels; channel++) {
      drawChannelLabel(context, `ch ${channel + 1}`, channel * bandHeight, ratio);
    }
    return more;
  }
}

/** Packs a `#rrggbb` colour as an opaque pixel of a little-endian RGBA buffer. */
function pixelOf(hex: string): number {
  const value = Number.parseInt(hex.slice(1), 16);
  const red = (value >> 16) & 0xff;
  const green = (value >> 8) & 0xff;
  const blue = value & 0xff;
  return ((0xff << 24) | (blue << 16) | (green << 8) | red) >>> 0;
}

const SEPARATOR_PIXEL = pixelOf("#e3e6ea");
const CHANNEL_PIXELS = CHANNEL_COLORS.map(pixelOf);

/** Writes one channel's min/max columns into its band, scaled to the channel's own range. */
function drawChannel(
  pixels: Uint32Array,
  canvasWidth: number,
  envelope: Envelope,
  channel: number,
  top: number,
  bandHeight: number,
): void {
  const { widthPx, min, max } = envelope;
  const offset = channel * widthPx;
  let low = Infinity;
  let high = -Infinity;
  for (let column = 0; column < widthPx; column++) {
    const lo = min[offset + column] ?? NaN;
    const hi = max[offset + column] ?? NaN;
    if (Number.isFinite(lo) && lo < low) low = lo;
    if (Number.isFinite(hi) && hi > high) high = hi;
  }
  if (!Number.isFinite(low) || !Number.isFinite(high)) return;

  // A flat channel is drawn as a line through the middle of its band.
  const margin = bandHeight * 0.08;
  const span = high - low;
  const usable = bandHeight - 2 * margin;
  const toY = (value: number): number =>
    span > 0 ? top + margin + ((high - value) / span) * usable : top + bandHeight / 2;
  const color = CHANNEL_PIXELS[channel % CHANNEL_PIXELS.length] ?? SEPARATOR_PIXEL;
  const columnWidth = canvasWidth / widthPx;
  const height = pixels.length / canvasWidth;

  for (let column = 0; column < widthPx; column++) {
    const lo = min[offset + column] ?? NaN;
    const hi = max[offset + column] ?? NaN;
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) continue;
    const yTop = Math.max(0, Math.floor(toY(hi)));
    const yBottom = Math.min(height - 1, Math.max(yTop, Math.floor(toY(lo))));
    const xStart = Math.floor(column * columnWidth);
    const xEnd = Math.min(canvasWidth, Math.max(xStart + 1, Math.floor((column + 1) * columnWidth)));
    if (xEnd - xStart === 1) {
      // One pixel wide, the common case: a plain store per row beats a fill call per row.
      for (let index = yTop * canvasWidth + xStart; index <= yBottom * canvasWidth + xStart; index += canvasWidth) {
        pixels[index] = color;
      }
    } else {
      for (let y = yTop; y <= yBottom; y++) {
        pixels.fill(color, y * canvasWidth + xStart, y * canvasWidth + xEnd);
      }
    }
  }
}

/** Draws a channel's name in its band's top-left corner, on a pale box so traces stay behind it. */
function drawChannelLabel(
  context: CanvasRenderingContext2D,
  text: string,
  top: number,
  ratio: number,
): void {
  const fontPx = Math.round(LABEL_FONT_PX * ratio);
  context.font = `${fontPx}px system-ui, sans-serif`;
  const padding = 3 * ratio;
  const width = context.measureText(text).width + 2 * padding;
  context.fillStyle = "rgb(255 255 255 / 0.85)";
  context.fillRect(2 * ratio, top + 2 * ratio, width, fontPx + 2 * padding);
  context.fillStyle = "#4b5563";
  context.textBaseline = "top";
  context.fillText(text, 2 * ratio + padding, top + 2 * ratio + padding);
}

function positiveInteger(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0
    ? Math.round(value)
    : fallback;
}
