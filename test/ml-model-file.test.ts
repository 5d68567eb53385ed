import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkTrainedOn,
  decodeModel,
  encodeModel,
  loadModelFile,
  MAX_MODEL_DEPTH,
  ModelFileError,
  readModelFileInfo,
  registerModelKind,
  saveModelFile,
  type TrainedOn,
} from "../src/ml/model-file.js";
import { KNearestNeighbors } from "../src/recipes/estimators/knn.js";
import { LinearDiscriminant } from "../src/recipes/estimators/lda.js";
import { StandardScaler } from "../src/recipes/scaler.js";

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "myogestic-model-file-"));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const TRAINED_ON: TrainedOn = {
  streamName: "emg",
  nChannels: 8,
  sampleRateHz: 200,
  windowMs: 200,
  classNames: ["rest", "fist", "open"],
  features: ["MAV", "ZC", "SSC", "WL"],
};

const TRAIN_ROWS = [
  [0, 0.1, 3],
  [0.2, 0.1, 3],
  [0.1, 0.3, 3],
  [2, 2.1, 3],
  [2.2, 1.9, 3],
  [1.9, 2.2, 3],
  [4, 0, 3],
  [4.1, 0.2, 3],
  [3.9, -0.1, 3],
];
const TRAIN_LABELS = [0, 0, 0, 1, 1, 1, 2, 2, 2];

function fittedLda(): LinearDiscriminant {
  return new LinearDiscriminant().fit(TRAIN_ROWS, TRAIN_LABELS);
}

/** Returns the bytes of a typed array's view, for bit-exact comparison. */
function bytesOf(view: ArrayBufferView): number[] {
  return Array.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
}

// A hand-written encoder of the format, so tests can build files the saver would never write.
function u32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}
function text(value: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(value));
  return [...u32(bytes.length), ...bytes];
}
const craft = {
  null: (): number[] => [1],
  number: (value: number): number[] => [4, ...Array.from(new Uint8Array(Float64Array.of(value).buffer))],
  string: (value: string): number[] => [5, ...text(value)],
  array: (items: number[][]): number[] => [6, ...u32(items.length), ...items.flat()],
  object: (entries: [string, number[]][]): number[] => [
    7,
    ...u32(entries.length),
    ...entries.flatMap(([key, value]) => [...text(key), ...value]),
  ],
  model: (kind: string, data: number[]): number[] => [9, ...text(kind), ...data],
  header: (kind: string): number[] => craft.object([["kind", craft.string(kind)], ["trainedOn", craft.null()]]),
};

/** Wraps a payload in the preamble and a CRC-32, as a valid file of `version` would be. */
function craftFile(payload: number[], version = 1, declaredLength: bigint = BigInt(payload.length)): Uint8Array {
  const preamble = new Uint8Array(20);
  preamble.set(new TextEncoder().encode("MYOMODEL"));
  const view = new DataView(preamble.buffer);
  view.setUint32(8, version, true);
  view.setBigUint64(12, declaredLength, true);
  const body = Uint8Array.from([...preamble, ...payload]);
  return Uint8Array.from([...body, ...u32(crc32(body))]);
}

/** Runs `action`, expecting a ModelFileError, and returns its message. */
async function modelFileErrorOf(action: () => unknown): Promise<string> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelFileError);
    return (error as Error).message;
  }
  throw new Error("expected a ModelFileError, but nothing was thrown");
}

describe("model file round trip", () => {
  it("keeps every value kind exactly", async () => {
    const nanWithPayload = new Float64Array(BigUint64Array.of(0x7ff80000deadbeefn).buffer);
    const backing = new ArrayBuffer(64);
    new Uint8Array(backing).forEach((_, i, all) => (all[i] = i));
    const nullPrototype = Object.create(null) as Record<string, unknown>;
    nullPrototype.inside = [1, "two"];
    const value = {
      nothing: null,
      missing: undefined,
      yes: true,
      no: false,
      numbers: [0, -0, 1.5, -1e-310, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity, 2 ** 53 + 2],
      strings: ["", "plain", "naïve ✓ 😀", "nul\u0000inside"],
      nested: { deeper: { list: [[], [[]], {}] } },
      "a key with spaces": 1,
      typed: {
        int8: Int8Array.of(-128, 0, 127),
        uint8: Uint8Array.of(0, 255),
        clamped: Uint8ClampedArray.of(0, 128, 255),
        int16: Int16Array.of(-32768, 32767),
        uint16: Uint16Array.of(65535),
        int32: Int32Array.of(-(2 ** 31), 2 ** 31 - 1),
        uint32: Uint32Array.of(2 ** 32 - 1),
        float32: Float32Array.of(-0, NaN, 3.4e38, 1e-45),
        float64: nanWithPayload,
        bigInt64: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n),
        bigUint64: BigUint64Array.of(2n ** 64n - 1n),
        offsetView: new Float32Array(backing, 8, 4),
        empty: new Float64Array(0),
      },
      nullPrototype,
    };
    const path = join(folder, "values.model");
    const loaded = (await loadModelFile(await saveModelFile(value, path))) as typeof value;

    expect(loaded).toEqual(value);
    expect(Object.hasOwn(loaded, "missing")).toBe(true);
    value.numbers.forEach((number, i) => expect(Object.is(loaded.numbers[i], number)).toBe(true));
    for (const [name, array] of Object.entries(value.typed)) {
      const copy = loaded.typed[name as keyof typeof value.typed];
      expect(copy.constructor).toBe(array.constructor);
      expect(bytesOf(copy)).toEqual(bytesOf(array));
    }
    expect(Object.getPrototypeOf(loaded.nullPrototype)).toBe(Object.prototype);
  });

  it.each([
    ["a number", 42, "number"],
    ["a string", "model", "string"],
    ["null", null, "null"],
    ["an array", [1, [2]], "array"],
    ["a typed array", Float64Array.of(1, 2), "Float64Array"],
    ["a plain object", { a: 1 }, "object"],
  ])("stores %s as the whole model", async (_, value, kind) => {
    const path = join(folder, `whole-${kind}.model`);
    await saveModelFile(value, path);
    expect(await loadModelFile(path)).toEqual(value);
    expect((await readModelFileInfo(path)).kind).toBe(kind);
  });

  it("rebuilds every built-in estimator", async () => {
    const lda = fittedLda();
    const knn = new KNearestNeighbors({ k: 3 }).fit(TRAIN_ROWS, TRAIN_LABELS);
    const scaler = new StandardScaler().fit(TRAIN_ROWS);
    const probe = [1.5, 1, 3];

    for (const [kind, model] of [
      ["lda", lda],
      ["knn", knn],
      ["standard-scaler", scaler],
    ] as const) {
      const path = join(folder, `${kind}.model`);
      await saveModelFile(model, path);
      const loaded = await loadModelFile(path);
      expect(loaded).toBeInstanceOf(model.constructor);
      expect((loaded as typeof model).toModelData()).toEqual(model.toModelData());
      expect((await readModelFileInfo(path)).kind).toBe(kind);
    }

    const path = join(folder, "pipeline.model");
    await saveModelFile({ scaler, estimators: [lda, knn], note: "trained on trials 1-3" }, path);
    const loaded = (await loadModelFile(path)) as { scaler: StandardScaler; estimators: [LinearDiscriminant, KNearestNeighbors] };
    expect(loaded.scaler).toBeInstanceOf(StandardScaler);
    expect(Array.from(loaded.scaler.transform(probe))).toEqual(Array.from(scaler.transform(probe)));
    expect(loaded.estimators[0].decisionFunction(probe)).toEqual(lda.decisionFunction(probe));
    expect(loaded.estimators[1].predictProba(probe)).toEqual(knn.predictProba(probe));
  });

  it("writes the documented layout", () => {
    const expected = craftFile([...craft.header("object"), ...craft.object([["a", craft.number(1.5)]])]);
    expect(Array.from(encodeModel({ a: 1.5 }))).toEqual(Array.from(expected));
  });

  it("returns bytes that own their buffer", () => {
    const bytes = encodeModel(fittedLda());
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(bytes.length);
  });

  it("copies arrays out of the input bytes", () => {
    const bytes = Buffer.from(encodeModel({ values: Float64Array.of(1, 2, 3) }));
    const loaded = decodeModel(bytes, "buffer") as { values: Float64Array };
    bytes.fill(0);
    expect(Array.from(loaded.values)).toEqual([1, 2, 3]);
  });
});

describe("saveModelFile", () => {
  it("creates folders and returns the path", async () => {
    const path = join(folder, "a", "b", "c", "model.bin");
    expect(await saveModelFile({ a: 1 }, path)).toBe(path);
    expect(await loadModelFile(path)).toEqual({ a: 1 });
  });

  it("replaces a file and leaves no temporary files", async () => {
    const target = join(folder, "replace");
    const path = join(target, "model.bin");
    await saveModelFile({ version: 1 }, path);
    await saveModelFile({ version: 2 }, path);
    expect(await loadModelFile(path)).toEqual({ version: 2 });
    expect(await readdir(target)).toEqual(["model.bin"]);
  });

  it.each([
    ["a function", { layers: [1, 2, { fn: () => 1 }] }, "model.layers[2].fn: a function (fn) cannot be stored"],
    ["a symbol", { tag: Symbol("x") }, "model.tag: a symbol cannot be stored"],
    ["a bigint", { big: 10n }, "model.big: a bigint cannot be stored"],
    ["a Map", { lookup: new Map() }, "model.lookup: a Map cannot be stored"],
    ["a Set", { names: new Set(["a"]) }, "model.names: a Set cannot be stored"],
    ["a Date", { when: new Date(0) }, "model.when: an instance of class Date cannot be stored"],
    ["a class instance", { inner: new (class Layer {})() }, "model.inner: an instance of class Layer cannot be stored"],
    ["an estimator subclass", { lda: new (class MyLda extends LinearDiscriminant {})() }, "model.lda: an instance of class MyLda"],
    ["a Buffer", { raw: Buffer.from([1]) }, "model.raw: a Buffer cannot be stored"],
    ["a DataView", { view: new DataView(new ArrayBuffer(2)) }, "model.view: a DataView cannot be stored"],
    ["an ArrayBuffer", { buffer: new ArrayBuffer(2) }, "model.buffer: an ArrayBuffer cannot be stored"],
    ["a getter", { get computed() { return 1; } }, "model.computed: a getter or setter cannot be stored"],
    ["a symbol key", { [Symbol("key")]: 1 }, "model: a symbol key (Symbol(key)) cannot be stored"],
    ["a sparse array", { list: [1, , 3] }, "model.list: an array with extra properties or empty slots"],
    ["a __proto__ key", JSON.parse('{"a": {"__proto__": {"x": 1}}}') as unknown, 'model.a.__proto__: the key "__proto__" is not allowed'],
    ["a constructor key", { a: { constructor: 1 } }, 'model.a.constructor: the key "constructor" is not allowed'],
    ["an unpaired surrogate", { name: "bad \uD800 text" }, "model.name: a string with an unpaired UTF-16 surrogate"],
    ["an unpaired surrogate key", { "\uDC00": 1 }, 'model["\\udc00"]: a key with an unpaired UTF-16 surrogate'],
    ["an odd key", { "my key": new Map() }, 'model["my key"]: a Map cannot be stored'],
  ])("rejects %s naming its path", async (_, value, message) => {
    const path = join(folder, "rejected", "model.bin");
    const saving = saveModelFile(value, path);
    await expect(saving).rejects.toThrow(TypeError);
    await expect(saving).rejects.toThrow(`saving ${path} failed: ${message}`);
    await expect(readdir(join(folder, "rejected"))).rejects.toThrow(/ENOENT/);
  });

  it("rejects a circular reference naming its path", () => {
    const model: { x: { self?: unknown } } = { x: {} };
    model.x.self = model;
    expect(() => encodeModel(model)).toThrow("model.x.self: a circular reference cannot be stored");
  });

  it("stores a shared object twice", () => {
    const shared = { a: 1 };
    expect(decodeModel(encodeModel([shared, shared]), "shared")).toEqual([{ a: 1 }, { a: 1 }]);
  });

  it("rejects nesting deeper than the limit", () => {
    let deep: unknown = [];
    for (let i = 0; i < MAX_MODEL_DEPTH; i++) {
      deep = [deep];
    }
    expect(() => encodeModel(deep)).toThrow(`nested more than ${MAX_MODEL_DEPTH} levels deep`);
  });

  it("rejects an invalid trained-on record", () => {
    expect(() => encodeModel(1, { trainedOn: { ...TRAINED_ON, nChannels: 0 } })).toThrow(
      /trainedOn.nChannels must be a positive integer, got 0/,
    );
    expect(() => encodeModel(1, { trainedOn: { ...TRAINED_ON, channels: 8 } as TrainedOn })).toThrow(
      /trainedOn has an unknown key "channels"/,
    );
  });
});

describe("loadModelFile", () => {
  let smallFile: Uint8Array;

  beforeAll(() => {
    smallFile = encodeModel({ lda: fittedLda(), name: "small" }, { trainedOn: TRAINED_ON });
  });

  it("reports a truncated file at every length", async () => {
    const path = join(folder, "truncated.model");
    for (let length = 0; length < smallFile.length; length++) {
      await writeFile(path, smallFile.subarray(0, length));
      const message = await modelFileErrorOf(() => loadModelFile(path));
      expect(message.startsWith(`${path}: `)).toBe(true);
      expect(message).toMatch(length === 0 ? /the file is empty/ : /the file is truncated: it has \d+ bytes/);
      expect(await modelFileErrorOf(() => decodeModel(smallFile.subarray(0, length), "bytes"))).toMatch(
        /empty|truncated/,
      );
    }
  });

  it("reports a flipped byte anywhere", async () => {
    for (let offset = 0; offset < smallFile.length; offset++) {
      const corrupted = smallFile.slice();
      corrupted[offset] = corrupted[offset]! ^ 0x40;
      const message = await modelFileErrorOf(() => decodeModel(corrupted, "flipped.model"));
      if (offset >= 20) {
        expect(message).toMatch(/^flipped.model: the file is corrupted: its CRC-32 is 0x[0-9a-f]{8}, but its contents give/);
      }
    }
  });

  it("reports a foreign file", async () => {
    const path = join(folder, "notes.txt");
    await writeFile(path, "these are notes, not a model\n".repeat(3));
    expect(await modelFileErrorOf(() => loadModelFile(path))).toBe(
      `${path}: not a myogestic model file: it does not start with "MYOMODEL"; check the path, or save the model with saveModelFile`,
    );
    expect(await modelFileErrorOf(() => decodeModel(Uint8Array.of(0x89, 0x50), "png"))).toMatch(/not a myogestic model file/);
  });

  it("reports a newer format version", async () => {
    const path = join(folder, "newer.model");
    await writeFile(path, craftFile([...craft.header("object"), ...craft.object([])], 2));
    expect(await modelFileErrorOf(() => loadModelFile(path))).toBe(
      `${path}: the file has model file format version 2, written by a newer myogestic; this version reads format 1 only, so update myogestic to load it`,
    );
    expect(await modelFileErrorOf(() => readModelFileInfo(path))).toMatch(/newer myogestic/);
    expect(await modelFileErrorOf(() => decodeModel(craftFile(craft.null(), 0), "zero"))).toMatch(
      /format version is 0/,
    );
  });

  it("reports bytes after the end", async () => {
    const longer = Uint8Array.from([...smallFile, 0]);
    expect(await modelFileErrorOf(() => decodeModel(longer, "longer"))).toMatch(/1 bytes after the end that its header declares/);
    const extra = craftFile([...craft.header("null"), ...craft.null(), ...craft.null()]);
    expect(await modelFileErrorOf(() => decodeModel(extra, "extra"))).toMatch(/1 bytes follow the model/);
  });

  it.each([
    ["an array", [6, ...u32(2 ** 31)], /the 2147483648 elements of the array at model needs 2147483648 bytes/],
    ["an object", [7, ...u32(2 ** 31)], /the 2147483648 entries of the object at model needs 10737418240 bytes/],
    ["a string", [5, ...u32(2 ** 32 - 1)], /the string at model needs 4294967295 bytes/],
    ["a Float64Array", [8, 9, ...u32(2 ** 31)], /the 2147483648 elements \(17179869184 bytes\) of the Float64Array at model needs/],
  ])("rejects a huge declared length in %s before allocating", async (_, model, message) => {
    const before = process.memoryUsage().arrayBuffers;
    const failure = await modelFileErrorOf(() => decodeModel(craftFile([...craft.header("object"), ...model]), "huge"));
    expect(failure).toMatch(message);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it("rejects a huge declared payload", async () => {
    const path = join(folder, "huge-payload.model");
    await writeFile(path, craftFile(craft.null(), 1, 2n ** 62n));
    expect(await modelFileErrorOf(() => loadModelFile(path))).toMatch(/truncated: it has 25 bytes, but its header declares 4611686018427387928/);
  });

  it.each(["__proto__", "constructor", "prototype"])("rejects a %s key without polluting prototypes", async (key) => {
    const payload = [...craft.header("object"), ...craft.object([[key, craft.object([["polluted", craft.number(1)]])]])];
    const message = await modelFileErrorOf(() => decodeModel(craftFile(payload), "evil.model"));
    expect(message).toContain(`the key "${key}" is not allowed`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ["a duplicate key", craft.object([["a", craft.null()], ["a", craft.null()]]), /model.a: the key "a" appears twice/],
    ["an unknown tag", [0x7f], /unknown value tag 127/],
    ["invalid UTF-8", [5, ...u32(1), 0xff], /the string at model at byte \d+ is not valid UTF-8/],
    ["an unknown array type", [8, 42, ...u32(0)], /unknown typed array element type 42/],
    ["a mismatched kind", craft.array([]), /the header records kind "object", but the model is "array"/],
  ])("rejects %s", async (_, model, message) => {
    expect(await modelFileErrorOf(() => decodeModel(craftFile([...craft.header("object"), ...model]), "bad"))).toMatch(message);
  });

  it("rejects nesting deeper than the limit", async () => {
    let nested = craft.array([]);
    for (let i = 0; i < MAX_MODEL_DEPTH + 5; i++) {
      nested = craft.array([nested]);
    }
    const arrays = await modelFileErrorOf(() => decodeModel(craftFile([...craft.header("array"), ...nested]), "deep"));
    expect(arrays).toMatch(`nested more than ${MAX_MODEL_DEPTH} levels deep`);

    let models = craft.null();
    for (let i = 0; i < MAX_MODEL_DEPTH + 5; i++) {
      models = craft.model("lda", models);
    }
    const chain = await modelFileErrorOf(() => decodeModel(craftFile([...craft.header("lda"), ...models]), "chain"));
    expect(chain).toMatch(`nested more than ${MAX_MODEL_DEPTH} levels deep`);
  });

  it("names an unknown model kind", async () => {
    const payload = [...craft.header("svm"), ...craft.model("svm", craft.object([["kind", craft.string("svm")]]))];
    expect(await modelFileErrorOf(() => decodeModel(craftFile(payload), "svm.model"))).toBe(
      'svm.model: the file is invalid: model: unknown model kind "svm"; the registered kinds are knn, lda, standard-scaler, window-classifier, so register "svm" with registerModelKind before loading',
    );
  });

  it("names the field of invalid estimator data", async () => {
    const payload = [...craft.header("lda"), ...craft.model("lda", craft.object([["kind", craft.string("lda")]]))];
    expect(await modelFileErrorOf(() => decodeModel(craftFile(payload), "lda.model"))).toMatch(
      /^lda.model: the file is invalid: model: lda model data: nFeatures must be an integer at least 1, got undefined; restore/,
    );
  });
});

describe("trained-on record", () => {
  it("round-trips through the header", async () => {
    const path = join(folder, "provenance.model");
    await saveModelFile(fittedLda(), path, { trainedOn: TRAINED_ON });
    expect(await readModelFileInfo(path)).toEqual({ version: 1, kind: "lda", trainedOn: TRAINED_ON });
    await saveModelFile(fittedLda(), path);
    expect(await readModelFileInfo(path)).toEqual({ version: 1, kind: "lda", trainedOn: undefined });
  });

  it("lists each difference", () => {
    expect(checkTrainedOn(TRAINED_ON, { ...TRAINED_ON })).toEqual([]);
    expect(checkTrainedOn(TRAINED_ON, { nChannels: 8 })).toEqual([]);
    expect(
      checkTrainedOn(TRAINED_ON, {
        streamName: "myo",
        nChannels: 16,
        sampleRateHz: 2000,
        windowMs: 150,
        classNames: ["rest", "fist"],
        features: ["MAV"],
      }),
    ).toEqual([
      'stream name: model "emg", stream "myo"',
      "channel count: model 8, stream 16",
      "sample rate: model 200 Hz, stream 2000 Hz",
      "window length: model 200 ms, stream 150 ms",
      'class names: model ["rest", "fist", "open"], current ["rest", "fist"]',
      'features: model ["MAV", "ZC", "SSC", "WL"], current ["MAV"]',
    ]);
  });

  it("makes loading fail on a different setup", async () => {
    const path = join(folder, "expect.model");
    await saveModelFile(fittedLda(), path, { trainedOn: TRAINED_ON });
    expect(await modelFileErrorOf(() => loadModelFile(path, { expect: { nChannels: 16, windowMs: 200 } }))).toBe(
      `${path}: the model was trained on a different setup (channel count: model 8, stream 16); train a model for this setup or use the one it was trained on`,
    );
    expect(await loadModelFile(path, { expect: { streamName: "emg", nChannels: 8 } })).toBeInstanceOf(LinearDiscriminant);
  });

  it("loads a file without a record whatever is expected", async () => {
    const path = join(folder, "no-record.model");
    await saveModelFile(fittedLda(), path);
    expect(await loadModelFile(path, { expect: { nChannels: 16 } })).toBeInstanceOf(LinearDiscriminant);
  });
});

describe("registerModelKind", () => {
  class Centroid {
    readonly centre: Float64Array;

    constructor(centre: Float64Array) {
      this.centre = centre;
    }

    toModelData(): { kind: "test-centroid"; centre: Float64Array } {
      return { kind: "test-centroid", centre: this.centre.slice() };
    }

    static fromModelData(data: unknown): Centroid {
      const centre = (data as { centre?: unknown }).centre;
      if (!(centre instanceof Float64Array)) {
        throw new TypeError("test-centroid model data: centre must be a Float64Array");
      }
      return new Centroid(centre);
    }
  }

  it("rebuilds a registered class", () => {
    registerModelKind({ kind: "test-centroid", type: Centroid, fromModelData: Centroid.fromModelData });
    registerModelKind({ kind: "test-centroid", type: Centroid, fromModelData: Centroid.fromModelData });
    const loaded = decodeModel(encodeModel({ model: new Centroid(Float64Array.of(1, 2)) }), "centroid") as {
      model: Centroid;
    };
    expect(loaded.model).toBeInstanceOf(Centroid);
    expect(Array.from(loaded.model.centre)).toEqual([1, 2]);
  });

  it("rejects a taken kind or an invalid name", () => {
    class Other {}
    expect(() => registerModelKind({ kind: "lda", type: Other, fromModelData: () => new Other() })).toThrow(
      /kind "lda" is already registered for class LinearDiscriminant/,
    );
    expect(() => registerModelKind({ kind: "Bad Name", type: Other, fromModelData: () => new Other() })).toThrow(
      /kind must be 1 to 64 lowercase letters/,
    );
  });
});
