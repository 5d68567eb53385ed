import { KNearestNeighbors } from "../recipes/estimators/knn.js";
import { LinearDiscriminant } from "../recipes/estimators/lda.js";
import { StandardScaler } from "../recipes/scaler.js";
import { WindowClassifier } from "./classifier.js";

/**
 * A class that model files store as data and rebuild with its methods. Exact instances of
 * `type` (not subclasses) are saved as `{ kind, data: instance.toModelData() }`; loading calls
 * `fromModelData(data)`, which must check the data, because it comes from a file.
 */
export interface ModelKind<T extends object = object> {
  /** Name stored in the file, lowercase letters, digits and hyphens, e.g. `lda`. */
  readonly kind: string;
  /** The class; its instances need a `toModelData()` method returning a plain object. */
  readonly type: abstract new (...args: never[]) => T;
  fromModelData(data: unknown): T;
}

const KIND_NAME = /^[a-z][a-z0-9-]{0,63}$/;

const byKind = new Map<string, ModelKind>();
const byPrototype = new Map<object, ModelKind>();

/**
 * Registers a class that model files can store, so that loading rebuilds working objects of
 * it. Registering the same kind and class again does nothing. Throws a TypeError for an
 * invalid kind name, or a kind already registered with another class.
 */
export function registerModelKind<T extends object>(entry: ModelKind<T>): void {
  if (typeof entry.kind !== "string" || !KIND_NAME.test(entry.kind)) {
    throw new TypeError(
      `registerModelKind: kind must be 1 to 64 lowercase letters, digits or hyphens starting with a letter, got ${JSON.stringify(entry.kind)}`,
    );
  }
  if (typeof entry.type !== "function" || typeof entry.fromModelData !== "function") {
    throw new TypeError(
      `registerModelKind: the "${entry.kind}" entry needs a class as type and a fromModelData function`,
    );
  }
  const existing = byKind.get(entry.kind);
  if (existing !== undefined) {
    if (existing.type === entry.type) {
      return;
    }
    throw new TypeError(
      `registerModelKind: kind "${entry.kind}" is already registered for class ${existing.type.name}; choose another kind name`,
    );
  }
  const prototype = entry.type.prototype as object;
  if (byPrototype.has(prototype)) {
    const registeredKind = byPrototype.get(prototype)?.kind;
    throw new TypeError(`registerModelKind: class ${entry.type.name} is already registered as "${registeredKind}"`);
  }
  const stored: ModelKind = {
    kind: entry.kind,
    type: entry.type,
    fromModelData: (data) => entry.fromModelData(data),
  };
  byKind.set(entry.kind, stored);
  byPrototype.set(prototype, stored);
}

/** Finds the registered kind of `value` by its exact prototype. */
export function findModelKindOf(value: object): ModelKind | undefined {
  return byPrototype.get(Object.getPrototypeOf(value) as object);
}

/** Finds a registered kind by name. */
export function findModelKind(kind: string): ModelKind | undefined {
  return byKind.get(kind);
}

/** Names of the registered kinds, sorted. */
export function modelKindNames(): string[] {
  return [...byKind.keys()].sort();
}

registerModelKind({
  kind: "lda",
  type: LinearDiscriminant,
  fromModelData: LinearDiscriminant.fromModelData,
});
registerModelKind({
  kind: "knn",
  type: KNearestNeighbors,
  fromModelData: KNearestNeighbors.fromModelData,
});
registerModelKind({
  kind: "standard-scaler",
  type: StandardScaler,
  fromModelData: StandardScaler.fromModelData,
});
registerModelKind({
  kind: "window-classifier",
  type: WindowClassifier,
  fromModelData: WindowClassifier.fromModelData,
});
