import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** tsx's loader by absolute path, so examples run from any working folder. */
const TSX_LOADER = new URL("../node_modules/tsx/dist/loader.mjs", import.meta.url).href;

function runExample(file: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", TSX_LOADER, join(ROOT, file)], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("README examples", () => {
  it("shows examples/lsl.ts as it is", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const example = await readFile(join(ROOT, "examples", "lsl.ts"), "utf8");
    expect(readme).toContain("```ts\n" + example + "```");
  });

  it("runs the LSL example over loopback", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "myogestic-example-"));
    try {
      const result = await runExample("examples/lsl.ts", cwd);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/received 8 channels at 1000 Hz; publishing RMS DemoTarget/);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it("shows examples/first-app.ts as it is", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const example = await readFile(join(ROOT, "examples", "first-app.ts"), "utf8");
    expect(readme).toContain("```ts\n" + example + "```");
  });

  it("runs the first app and leaves a session", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "myogestic-example-"));
    try {
      const result = await runExample("examples/first-app.ts", cwd);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/window: 8 channels × 400 samples/);
      const archives = await readdir(join(cwd, "sessions"));
      expect(archives.filter((name) => name.endsWith(".session.zip"))).toHaveLength(1);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it("shows examples/gestures.ts as it is", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const example = await readFile(join(ROOT, "examples", "gestures.ts"), "utf8");
    expect(readme).toContain("```ts\n" + example + "```");
  });

  it("runs the gestures example and predicts the cued class", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "myogestic-example-"));
    try {
      const result = await runExample("examples/gestures.ts", cwd);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/cue Fist, predicted Fist/);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it("opens with the two commands a newcomer runs", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const firstBlock = readme.split("```")[1] ?? "";
    expect(firstBlock).toContain("npm install && npm start");
    expect(firstBlock).toContain("npm install && npm test");
  });
});
