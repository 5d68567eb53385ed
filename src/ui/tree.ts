/** Widget types of the panel protocol, version 1. */
export type UiNodeType =
  | "root"
  | "panel"
  | "grid"
  | "row"
  | "text"
  | "heading"
  | "pill"
  | "button"
  | "checkbox"
  | "progress"
  | "log"
  | "plot"
  | "cue"
  | "matrix";

/** One node of the widget tree sent to the browser. */
export interface UiNode {
  readonly id: string;
  readonly type: UiNodeType;
  readonly props: Readonly<Record<string, unknown>>;
  readonly children: readonly string[];
}

/** A frame's changes for one browser: nodes new or changed since its last frame, and ids gone. */
export interface TreeDiff {
  readonly set: UiNode[];
  readonly remove: string[];
}

/**
 * Compares a new tree with the one a browser last received, by each node's JSON form, and
 * returns what to send. `sent` is updated to the new tree.
 */
export function diffTree(nodes: ReadonlyMap<string, UiNode>, sent: Map<string, string>): TreeDiff {
  const set: UiNode[] = [];
  const remove: string[] = [];
  for (const [id, node] of nodes) {
    const json = JSON.stringify(node);
    if (sent.get(id) !== json) {
      set.push(node);
      sent.set(id, json);
    }
  }
  for (const id of [...sent.keys()]) {
    if (!nodes.has(id)) {
      remove.push(id);
      sent.delete(id);
    }
  }
  return { set, remove };
}
