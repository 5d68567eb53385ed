import { ByteReader, ModelFormatError, type ByteWriter } from "./model-bytes.js";
import { findModelKind, findModelKindOf, modelKindNames } from "./model-kinds.js";

// The value tree of a model file. Each value is a one-byte tag and its content; lengths and
// counts are 32-bit little-endian, numbers are 64-bit floats, strings are UTF-8.
const TAG_UNDEFINED = 0;
const TAG_NULL = 1;
const TAG_FALSE = 2;
const TAG_TRUE = 3;
const TAG_NUMBER = 4; // float64
const TAG_STRING = 5; // byte length, UTF-8 bytes
const TAG_ARRAY = 6; // count, values
const TAG_OBJECT = 7; // count, (key string, value) pairs
const TAG_TYPED_ARRAY = 8; // element type code, element count, raw little-endian bytes
const TAG_MODEL = 9; // kind string, the model data value

/** Deepest nesting of arrays, objects and models that is saved or loaded. */
export const MAX_MODEL_DEPTH = 256;

/** Matches a UTF-16 surrogate without its pair, which UTF-8 cannot represent. */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Keys that could change an object's prototype when assigned; they are rejected on save and load. */
const RESERVED_KEYS = new Set(["__proto__", "constructor", "prototype"]);

type TypedArrayType =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

// The codes are part of the file format: never renumber them.
const TYPED_ARRAY_TYPES: readonly TypedArrayType[] = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];
const TYPED_ARRAY_CODE = new Map<object, number>(
  TYPED_ARRAY_TYPES.map((type, code) => [type.prototype, code + 1]),
);

type PathSegment = string | number;

/** Formats a path inside a value, e.g. `model.layers[2].fn` or `model["a key"]`. */
function formatPath(root: string, segments: readonly PathSegment[]): string {
  let text = root;
  for (const segment of segments) {
    if (typeof segment === "number") {
      text += `[${segment}]`;
    } else if (/^[A-Za-z_$][\w$]*$/.test(segment)) {
      text += `.${segment}`;
    } else {
      text += `[${JSON.stringify(segment)}]`;
    }
  }
  return text;
}

/** Returns the kind that the header records for a model value: its registered kind or its type. */
export function describeModelKind(value: unknown): string {
  if (value === null) {
    return "null";
  }
  if (typeof value !== "object") {
    return typeof value;
  }
  const registered = findModelKindOf(value);
  if (registered !== undefined) {
    return registered.kind;
  }
  if (Array.isArray(value)) {
    return "array";
  }
  if (ArrayBuffer.isView(value)) {
    return value.constructor.name;
  }
  return "object";
}

/**
 * Writes a value tree. Throws a TypeError naming the path inside the value (from `root`) for
 * anything a model file cannot store as data: functions, symbols, bigints, class instances
 * other than registered models, Maps and Sets, getters, circular references, reserved keys.
 */
export class ValueEncoder {
  readonly #writer: ByteWriter;
  readonly #root: string;
  readonly #path: PathSegment[] = [];
  readonly #ancestors = new Set<object>();

  constructor(writer: ByteWriter, root: string) {
    this.#writer = writer;
    this.#root = root;
  }

  write(value: unknown): void {
    const writer = this.#writer;
    switch (typeof value) {
      case "undefined":
        writer.u8(TAG_UNDEFINED);
        return;
      case "boolean":
        writer.u8(value ? TAG_TRUE : TAG_FALSE);
        return;
      case "number":
        writer.u8(TAG_NUMBER);
        writer.f64(value);
        return;
      case "string":
        this.#checkString(value, "a string");
        writer.u8(TAG_STRING);
        writer.string(value);
        return;
      case "bigint":
        throw this.#unsupported("a bigint", "store it as a number or a string");
      case "symbol":
        throw this.#unsupported("a symbol", "store a string instead");
      case "function":
        throw this.#unsupported(
          value.name === "" ? "a function" : `a function (${value.name})`,
          "model files store data only, never code",
        );
    }
    if (value === null) {
      writer.u8(TAG_NULL);
      return;
    }
    this.#writeObject(value as object);
  }

  #writeObject(value: object): void {
    if (this.#ancestors.has(value)) {
      throw new TypeError(
        `${this.#pathText()}: a circular reference cannot be stored in a model file; break the cycle`,
      );
    }
    if (this.#ancestors.size >= MAX_MODEL_DEPTH) {
      throw new TypeError(`${this.#pathText()}: the value is nested more than ${MAX_MODEL_DEPTH} levels deep`);
    }
    this.#ancestors.add(value);
    try {
      if (ArrayBuffer.isView(value)) {
        this.#writeTypedArray(value);
      } else if (Array.isArray(value)) {
        this.#writeArray(value);
      } else {
        const prototype = Object.getPrototypeOf(value) as object | null;
        if (prototype === Object.prototype || prototype === null) {
          this.#writePlainObject(value);
        } else {
          this.#writeModel(value);
        }
      }
    } finally {
      this.#ancestors.delete(value);
    }
  }

  #writeTypedArray(value: ArrayBufferView): void {
    const code = TYPED_ARRAY_CODE.get(Object.getPrototypeOf(value) as object);
    if (code === undefined) {
      const name = value.constructor.name;
      throw this.#unsupported(`a ${name}`, "store a plain typed array such as Uint8Array or Float64Array");
    }
    const writer = this.#writer;
    writer.u8(TAG_TYPED_ARRAY);
    writer.u8(code);
    writer.u32((value as Uint8Array).length);
    writer.raw(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  }

  #writeArray(value: readonly unknown[]): void {
    if (Object.getPrototypeOf(value) !== Array.prototype) {
      throw this.#unsupported(`an instance of ${value.constructor.name}`, "store a plain array");
    }
    if (Reflect.ownKeys(value).length !== value.length + 1) {
      throw this.#unsupported("an array with extra properties or empty slots", "store a plain, dense array");
    }
    const writer = this.#writer;
    writer.u8(TAG_ARRAY);
    writer.u32(value.length);
    for (let i = 0; i < value.length; i++) {
      this.#path.push(i);
      this.write(this.#ownDataValue(value, String(i)));
      this.#path.pop();
    }
  }

  #writePlainObject(value: object): void {
    const keys = Reflect.ownKeys(value);
    const writer = this.#writer;
    writer.u8(TAG_OBJECT);
    writer.u32(keys.length);
    for (const key of keys) {
      if (typeof key === "symbol") {
        throw this.#unsupported(`a symbol key (${String(key)})`, "use string keys");
      }
      this.#path.push(key);
      if (RESERVED_KEYS.has(key)) {
        throw new TypeError(
          `${this.#pathText()}: the key "${key}" is not allowed in a model file, because assigning it can change an object's prototype; rename it`,
        );
      }
      this.#checkString(key, "a key");
      writer.string(key);
      this.write(this.#ownDataValue(value, key));
      this.#path.pop();
    }
  }

  /** Reads an own property without calling a getter; throws for accessors and hidden properties. */
  #ownDataValue(value: object, key: string): unknown {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor === undefined || "get" in descriptor || "set" in descriptor) {
      throw this.#unsupported("a getter or setter", "store the value itself as a data property");
    }
    if (descriptor.enumerable !== true) {
      throw this.#unsupported("a non-enumerable property", "make it enumerable or leave it out");
    }
    return descriptor.value as unknown;
  }

  #writeModel(value: object): void {
    const registered = findModelKindOf(value);
    if (registered === undefined) {
      throw this.#unsupported(describeInstance(value), adviceForInstance(value));
    }
    const toModelData = (value as { toModelData?: unknown }).toModelData;
    if (typeof toModelData !== "function") {
      throw new TypeError(`${this.#pathText()}: the ${registered.kind} model has no toModelData() method`);
    }
    const data: unknown = toModelData.call(value);
    if (typeof data !== "object" || data === null || (data as { kind?: unknown }).kind !== registered.kind) {
      throw new TypeError(
        `${this.#pathText()}: toModelData() of the ${registered.kind} model must return an object with kind "${registered.kind}"`,
      );
    }
    const writer = this.#writer;
    writer.u8(TAG_MODEL);
    writer.string(registered.kind);
    this.write(data);
  }

  /** Rejects a string that UTF-8 would change, so that every saved string loads back equal. */
  #checkString(value: string, description: string): void {
    if (UNPAIRED_SURROGATE.test(value)) {
      throw this.#unsupported(
        `${description} with an unpaired UTF-16 surrogate`,
        "model files store strings as UTF-8, which cannot represent it",
      );
    }
  }

  #unsupported(description: string, advice: string): TypeError {
    return new TypeError(`${this.#pathText()}: ${description} cannot be stored in a model file; ${advice}`);
  }

  #pathText(): string {
    return formatPath(this.#root, this.#path);
  }
}

function describeInstance(value: object): string {
  if (value instanceof Map) {
    return "a Map";
  }
  if (value instanceof Set) {
    return "a Set";
  }
  if (value instanceof ArrayBuffer) {
    return "an ArrayBuffer";
  }
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name === "string" && name !== "") {
    return `an instance of class ${name}`;
  }
  return "an object with a custom prototype";
}

function adviceForInstance(value: object): string {
  if (value instanceof Map || value instanceof Set) {
    return "use a plain object or an array instead";
  }
  if (value instanceof ArrayBuffer) {
    return "wrap it in a Uint8Array";
  }
  const kinds = modelKindNames().join(", ");
  return `store its data as plain objects and typed arrays, or register the class with registerModelKind (registered kinds: ${kinds})`;
}

/**
 * Reads a value tree written by {@link ValueEncoder}. Objects are built as plain objects with
 * data properties (never through setters), reserved keys and duplicate keys are errors, and
 * registered models are rebuilt with their `fromModelData`. Every fault throws a
 * {@link ModelFormatError} naming the path and the byte offset.
 */
export class ValueDecoder {
  readonly #reader: ByteReader;
  readonly #root: string;
  readonly #path: PathSegment[] = [];
  #depth = 0;

  constructor(reader: ByteReader, root: string) {
    this.#reader = reader;
    this.#root = root;
  }

  read(): unknown {
    const reader = this.#reader;
    const start = reader.offset;
    const tag = reader.u8(`the value at ${this.#pathText()}`);
    switch (tag) {
      case TAG_UNDEFINED:
        return undefined;
      case TAG_NULL:
        return null;
      case TAG_FALSE:
        return false;
      case TAG_TRUE:
        return true;
      case TAG_NUMBER:
        return reader.f64(`the number at ${this.#pathText()}`);
      case TAG_STRING:
        return reader.string(`the string at ${this.#pathText()}`);
      case TAG_TYPED_ARRAY:
        return this.#readTypedArray();
      case TAG_ARRAY:
      case TAG_OBJECT:
      case TAG_MODEL:
        return this.#readContainer(tag);
      default:
        throw this.#fault(`unknown value tag ${tag} at byte ${start}`);
    }
  }

  #readContainer(tag: number): unknown {
    if (this.#depth >= MAX_MODEL_DEPTH) {
      throw this.#fault(`the data is nested more than ${MAX_MODEL_DEPTH} levels deep`);
    }
    this.#depth++;
    try {
      if (tag === TAG_ARRAY) {
        return this.#readArray();
      }
      if (tag === TAG_OBJECT) {
        return this.#readObject();
      }
      return this.#readModel();
    } finally {
      this.#depth--;
    }
  }

  #readArray(): unknown[] {
    const reader = this.#reader;
    const count = reader.u32(`the length of the array at ${this.#pathText()}`);
    // Each element takes at least its one-byte tag.
    reader.need(count, `the ${count} elements of the array at ${this.#pathText()}`);
    const array: unknown[] = [];
    for (let i = 0; i < count; i++) {
      this.#path.push(i);
      array.push(this.read());
      this.#path.pop();
    }
    return array;
  }

  #readObject(): Record<string, unknown> {
    const reader = this.#reader;
    const count = reader.u32(`the key count of the object at ${this.#pathText()}`);
    // Each entry takes at least a 4-byte key length and a 1-byte value tag.
    reader.need(count * 5, `the ${count} entries of the object at ${this.#pathText()}`);
    const object: Record<string, unknown> = {};
    for (let i = 0; i < count; i++) {
      const key = reader.string(`a key of the object at ${this.#pathText()}`);
      this.#path.push(key);
      if (RESERVED_KEYS.has(key)) {
        throw this.#fault(`the key "${key}" is not allowed, because assigning it can change an object's prototype`);
      }
      if (Object.hasOwn(object, key)) {
        throw this.#fault(`the key "${key}" appears twice`);
      }
      // defineProperty creates a data property and never calls a setter.
      Object.defineProperty(object, key, {
        value: this.read(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.#path.pop();
    }
    return object;
  }

  #readTypedArray(): ArrayBufferView {
    const reader = this.#reader;
    const code = reader.u8(`the element type at ${this.#pathText()}`);
    const type = TYPED_ARRAY_TYPES[code - 1];
    if (type === undefined) {
      throw this.#fault(`unknown typed array element type ${code}`);
    }
    const count = reader.u32(`the length of the ${type.name} at ${this.#pathText()}`);
    const byteLength = count * type.BYTES_PER_ELEMENT;
    const description = `the ${count} elements (${byteLength} bytes) of the ${type.name} at ${this.#pathText()}`;
    const buffer = reader.copy(byteLength, description);
    return new type(buffer);
  }

  #readModel(): object {
    const kind = this.#reader.string(`the model kind at ${this.#pathText()}`);
    const registered = findModelKind(kind);
    if (registered === undefined) {
      throw this.#fault(
        `unknown model kind "${kind}"; the registered kinds are ${modelKindNames().join(", ")}, so register "${kind}" with registerModelKind before loading`,
        true,
      );
    }
    const data = this.read();
    try {
      return registered.fromModelData(data);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const problem = message.startsWith(`${kind} model data`) ? message : `invalid ${kind} model data: ${message}`;
      throw this.#fault(problem);
    }
  }

  #fault(problem: string, includesAdvice = false): ModelFormatError {
    return new ModelFormatError(`${this.#pathText()}: ${problem}`, includesAdvice);
  }

  #pathText(): string {
    return formatPath(this.#root, this.#path);
  }
}
