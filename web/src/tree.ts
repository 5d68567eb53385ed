/** The node map and its DOM: applies frames, keeping the elements of unchanged nodes. */

import type { Envelope, FrameMessage, WireNode } from "./protocol.js";
import { createView, type Send, type View } from "./widgets.js";

export class Tree {
  readonly #mount: HTMLElement;
  readonly #send: Send;
  readonly #nodes = new Map<string, WireNode>();
  readonly #views = new Map<string, View>();
  readonly #parents = new Map<string, string>();
  #rootId: string | undefined;
  /** True until a connection's first frame, which contains every node, so absent nodes are gone. */
  #expectFullFrame = true;

  constructor(mount: HTMLElement, send: Send) {
    this.#mount = mount;
    this.#send = send;
  }

  /** Prepares for a new connection, whose first frame lists every node. */
  startConnection(): void {
    this.#expectFullFrame = true;
    for (const view of this.#views.values()) view.plot?.resendWidth();
  }

  applyFrame(frame: FrameMessage): void {
    const removed = new Set(frame.remove);
    if (this.#expectFullFrame) {
      this.#expectFullFrame = false;
      const present = new Set(frame.set.map((node) => node.id));
      for (const id of this.#nodes.keys()) if (!present.has(id)) removed.add(id);
    }

    for (const id of removed) this.#remove(id);

    const dirtyContainers = new Set<string>();
    for (const node of frame.set) {
      if (this.#setNode(node)) {
        const parent = this.#parents.get(node.id);
        if (parent !== undefined) dirtyContainers.add(parent);
      }
      dirtyContainers.add(node.id);
    }
    for (const node of frame.set) {
      for (const child of node.children) this.#parents.set(child, node.id);
    }
    for (const id of dirtyContainers) this.#placeChildren(id);

    this.#mountRoot(frame.root);
  }

  applyEnvelope(envelope: Envelope): void {
    this.#views.get(envelope.plotId)?.plot?.setEnvelope(envelope);
  }

  /** Stores a node and updates its view. Returns true when its element was created or replaced. */
  #setNode(node: WireNode): boolean {
    const previous = this.#nodes.get(node.id);
    this.#nodes.set(node.id, node);
    const props = node.props ?? {};

    const existing = this.#views.get(node.id);
    if (existing !== undefined && existing.type === node.type) {
      if (previous === undefined || !sameProps(previous.props, props)) existing.update(props);
      return false;
    }

    const view = createView(node.id, node.type, this.#send);
    view.element.dataset.id = node.id;
    view.update(props);
    if (existing !== undefined) {
      existing.dispose?.();
      existing.element.replaceWith(view.element);
    }
    this.#views.set(node.id, view);
    return true;
  }

  #remove(id: string): void {
    const view = this.#views.get(id);
    view?.dispose?.();
    view?.element.remove();
    this.#views.delete(id);
    this.#nodes.delete(id);
    this.#parents.delete(id);
  }

  /** Orders a container's child elements to match its node, moving only what is out of place. */
  #placeChildren(id: string): void {
    const node = this.#nodes.get(id);
    const container = this.#views.get(id)?.container;
    if (node === undefined || container === undefined) return;

    const wanted: HTMLElement[] = [];
    for (const childId of node.children) {
      const child = this.#views.get(childId);
      if (child !== undefined) wanted.push(child.element);
    }
    wanted.forEach((element, index) => {
      const current = container.children[index];
      if (current !== element) container.insertBefore(element, current ?? null);
    });
    while (container.children.length > wanted.length) container.lastElementChild?.remove();
  }

  #mountRoot(rootId: string): void {
    const root = this.#views.get(rootId);
    if (root === undefined) return;
    if (this.#rootId !== rootId || root.element.parentElement !== this.#mount) {
      this.#mount.replaceChildren(root.element);
      this.#rootId = rootId;
    }
  }
}

function sameProps(a: Record<string, unknown> | undefined, b: Record<string, unknown>): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b);
}
