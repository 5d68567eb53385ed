import { spawnSync } from "node:child_process";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ArchiveStore,
  ARCHIVE_MAX_ENTRY_BYTES,
  openSessionStore,
  packFolder,
} from "../src/session/archive.js";
import { FolderStore } from "../src/session/store.js";
import { openSession } from "../src/session/reader.js";
import {
  buildZip,
  makeTempFolder,
  patchBytes,
  PYTHON_SESSIONS,
  unzipWithCli,
} from "./session-helpers.js";

let root: Awaited<ReturnType<typeof makeTempFolder>>;

beforeEach(async () => {
  root = await makeTempFolder("myogestic-archive-");
});

afterEach(async () => {
  await root.remove();
});

async function writeZip(name: string, bytes: Buffer): Promise<string> {
  const path = join(root.path, name);
  await writeFile(path, bytes);
  return path;
}

describe("ArchiveStore", () => {
  it("reads stored and deflated entries", async () => {
    const text = "x".repeat(10_000);
    const path = await writeZip(
      "good.zip",
      await buildZip([
        { name: "meta.json", data: "{}" },
        { name: "a/b.txt", data: text, compress: true },
      ]),
    );
    const store = await ArchiveStore.open(path);
    try {
      expect(await store.list()).toEqual(["a/b.txt", "meta.json"]);
      expect(Buffer.from((await store.read("a/b.txt")) as Uint8Array).toString()).toBe(text);
      expect(Buffer.from((await store.read("meta.json")) as Uint8Array).toString()).toBe("{}");
      expect(await store.read("absent.json")).toBeUndefined();
      expect(store.locate("a/b.txt")).toBe(`${path}:a/b.txt`);
    } finally {
      await store.close();
    }
  });

  const unsafe: [string, string, RegExp][] = [
    ["zz/evil.txt", "../evil.txt", /contains a "\.\." segment/],
    ["_etc/passwd", "/etc/passwd", /is an absolute path/],
    ["Xs/evil.txt", "C:/evil.txt", /is an absolute path/],
    ["a_b.txt", "a\\b.txt", /contains a backslash/],
  ];
  for (const [placeholder, name, reason] of unsafe) {
    it(`rejects an entry named ${name}`, async () => {
      const bytes = await buildZip([
        { name: "meta.json", data: "{}" },
        { name: placeholder, data: "payload" },
      ]);
      const path = await writeZip("unsafe.zip", patchBytes(bytes, placeholder, name));
      await expect(ArchiveStore.open(path)).rejects.toThrow(
        `${path}: entry ${JSON.stringify(name)}`,
      );
      await expect(ArchiveStore.open(path)).rejects.toThrow(reason);
    });
  }

  it("rejects an entry declaring an absurd size", async () => {
    const bytes = await buildZip([{ name: "big.bin", data: Buffer.alloc(1000), compress: true }]);
    // The uncompressed size sits 24 bytes into the central directory header.
    const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bytes.writeUInt32LE(3 * 2 ** 30, central + 24);
    const path = await writeZip("bomb.zip", bytes);
    await expect(ArchiveStore.open(path)).rejects.toThrow(
      `entry "big.bin" declares ${3 * 2 ** 30} bytes, more than the limit of ${ARCHIVE_MAX_ENTRY_BYTES}`,
    );
  });

  it("rejects duplicate entry names", async () => {
    const bytes = await buildZip([
      { name: "meta.json", data: "{}" },
      { name: "meta.jsoo", data: "{}" },
    ]);
    const path = await writeZip("twice.zip", patchBytes(bytes, "meta.jsoo", "meta.json"));
    await expect(ArchiveStore.open(path)).rejects.toThrow('entry "meta.json" appears twice');
  });

  it("rejects a file that is not a zip archive", async () => {
    const path = await writeZip("plain.session.zip", Buffer.from("not a zip at all"));
    await expect(openSessionStore(path)).rejects.toThrow(`${path}: not a readable zip archive`);
  });

  it("rejects a path that does not exist", async () => {
    const path = join(root.path, "nowhere.session.zip");
    await expect(openSessionStore(path)).rejects.toThrow(
      `${path}: no such session folder or archive`,
    );
  });
});

describe("FolderStore", () => {
  it("rejects paths that leave the folder", async () => {
    const store = new FolderStore(root.path);
    await expect(store.read("../outside")).rejects.toThrow(TypeError);
    await expect(store.read("/etc/passwd")).rejects.toThrow(/is an absolute path/);
  });
});

describe("packFolder", () => {
  it("packs a folder into a stored zip in place", async () => {
    const folder = join(root.path, "session");
    await mkdir(join(folder, "emg.zarr", "c", "0"), { recursive: true });
    await writeFile(join(folder, "meta.json"), "{}");
    await writeFile(join(folder, "emg.zarr", "c", "0", "0"), Buffer.alloc(4096, 7));
    const archivePath = join(root.path, "session.session.zip");
    await writeFile(archivePath, "an older archive");

    await packFolder(folder, archivePath);
    expect((await readdir(root.path)).sort()).toEqual(["session", "session.session.zip"]);
    const listing = spawnSync("unzip", ["-v", archivePath], { encoding: "utf8" });
    expect(listing.status).toBe(0);
    const entries = listing.stdout.split("\n").filter((line) => line.includes("Stored"));
    // meta.json goes first, so a copy cut short still describes the session.
    expect(entries.map((line) => line.trim().split(/\s+/).at(-1))).toEqual([
      "meta.json",
      "emg.zarr/c/0/0",
    ]);

    const extracted = join(root.path, "extracted");
    unzipWithCli(archivePath, extracted);
    expect(await new FolderStore(extracted).list()).toEqual(["emg.zarr/c/0/0", "meta.json"]);
  });

  it("opens an archive with one top folder", async () => {
    const parent = join(root.path, "parent");
    await mkdir(parent);
    unzipWithCli(join(PYTHON_SESSIONS, "vhi_pose_rest.session.zip"), join(parent, "vhi_pose_rest"));
    const archivePath = join(root.path, "nested.zip");
    await packFolder(parent, archivePath);
    const session = await openSession(archivePath);
    expect(session.name).toBe("nested");
    expect((await session.readStream("vhi_control")).nSamples).toBe(169);
  });
});
