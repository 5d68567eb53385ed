import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1))
    .sort();
}

describe("API reference", () => {
  it("docs/api matches the doc comments", async () => {
    const out = await mkdtemp(join(tmpdir(), "myogestic-docs-"));
    try {
      const typedoc = join(ROOT, "node_modules", "typedoc", "bin", "typedoc");
      await promisify(execFile)(process.execPath, [typedoc, "--out", out, "--logLevel", "Error"], { cwd: ROOT });
      const committed = await listFiles(join(ROOT, "docs", "api"));
      const fresh = await listFiles(out);
      expect(committed, "pages differ; run npm run docs").toEqual(fresh);
      for (const file of fresh) {
        const expected = await readFile(join(out, file), "utf8");
        const actual = await readFile(join(ROOT, "docs", "api", file), "utf8");
        expect(actual, `docs/api/${file} is out of date; run npm run docs`).toBe(expected);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 120_000);
});
