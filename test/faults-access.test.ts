import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listSessions } from "../src/session/training-data.js";
import { Ui } from "../src/ui/ui.js";

let root = "";
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "myogestic-access-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("what the panel can reach", () => {
  it("lists only sessions inside the folder the app was given, never through links", async () => {
    const given = join(root, "given");
    const outside = join(root, "outside");
    await mkdir(join(given, "kept"), { recursive: true });
    await mkdir(join(outside, "secret"), { recursive: true });
    await writeFile(join(given, "kept", "meta.json"), "{}");
    await writeFile(join(given, "a.session.zip"), "zip");
    await writeFile(join(outside, "secret", "meta.json"), "{}");
    await writeFile(join(outside, "b.session.zip"), "zip");
    await symlink(join(outside, "secret"), join(given, "linked"));
    await symlink(join(outside, "b.session.zip"), join(given, "linked.session.zip"));
    expect(await listSessions(given)).toEqual([join(given, "a.session.zip"), join(given, "kept")]);
  });

  it("ignores input for undrawn widgets", () => {
    const ui = new Ui();
    let clicked = false;
    const draw = (u: Ui) => {
      if (u.button("Save", { id: "save" })) clicked = true;
    };
    ui.frame(draw);
    ui.applyInput({ type: "click", id: "root/../../etc/passwd" });
    ui.applyInput({ type: "click", id: "root/load" });
    ui.frame(draw);
    expect(clicked).toBe(false);
    ui.applyInput({ type: "click", id: "root/save" });
    ui.frame(draw);
    expect(clicked).toBe(true);
  });
});
