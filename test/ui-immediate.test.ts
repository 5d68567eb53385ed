import { describe, expect, it } from "vitest";
import { diffTree } from "../src/ui/tree.js";
import { Ui } from "../src/ui/ui.js";

describe("Ui widgets", () => {
  it("returns true from a button on the frame after its click, once", () => {
    const ui = new Ui();
    const draw = (results: boolean[]) => (u: Ui) => u.panel("Recording", () => results.push(u.button("Record")));
    const results: boolean[] = [];
    ui.frame(draw(results));
    ui.applyInput({ type: "click", id: "root/Recording/Record" });
    ui.frame(draw(results));
    ui.frame(draw(results));
    expect(results).toEqual([false, true, false]);
  });

  it("ignores clicks on a disabled button and sends its reason", () => {
    const ui = new Ui();
    ui.applyInput({ type: "click", id: "root/Predict" });
    const { nodes } = ui.frame((u) => {
      expect(u.button("Predict", { disabled: "Train or load a model first" })).toBe(false);
    });
    expect(nodes.get("root/Predict")?.props).toEqual({ label: "Predict", disabled: true, reason: "Train or load a model first", active: false });
  });

  it("builds a tree with stable ids and suffixes repeated ones", () => {
    const ui = new Ui();
    const { nodes } = ui.frame((u) =>
      u.grid(2, () => {
        u.text("a");
        u.text("b");
        u.panel("Log", () => u.log(["x", "y"]));
      }),
    );
    expect(nodes.get("root")?.children).toEqual(["root/grid"]);
    expect(nodes.get("root/grid")?.children).toEqual(["root/grid/text", "root/grid/text#2", "root/grid/Log"]);
    expect(nodes.get("root/grid/Log/log")?.props).toEqual({ lines: ["x", "y"], follow: true });
  });

  it("keeps checkbox and follow-tail state by id across frames", () => {
    const ui = new Ui();
    const draw = (seen: unknown[]) => (u: Ui) => {
      seen.push(u.checkbox("Fist", true));
      seen.push(u.log(["a"]));
    };
    const seen: unknown[] = [];
    ui.frame(draw(seen));
    ui.applyInput({ type: "toggle", id: "root/Fist", checked: false });
    ui.applyInput({ type: "follow", id: "root/log", follow: false });
    ui.frame(draw(seen));
    expect(seen).toEqual([true, true, false, false]);
  });

  it("clamps progress and keeps custom state", () => {
    const ui = new Ui();
    const { nodes } = ui.frame((u) => {
      u.progress(1.7, "Training");
      const popout = u.state("popout", false);
      popout.value = true;
    });
    expect(nodes.get("root/progress")?.props.fraction).toBe(1);
    ui.frame((u) => expect(u.state("popout", false).value).toBe(true));
  });
});

describe("Ui input", () => {
  it("ignores input for unknown widget ids", () => {
    const ui = new Ui();
    const draw = (seen: unknown[]) => (u: Ui) => {
      seen.push(u.checkbox("Fist", true));
      seen.push(u.button("Go"));
    };
    const seen: unknown[] = [];
    ui.frame(draw(seen));
    ui.applyInput({ type: "toggle", id: "root/Go", checked: false });
    ui.applyInput({ type: "click", id: "root/Fist" });
    for (let i = 0; i < 1000; i++) {
      ui.applyInput({ type: "toggle", id: `root/made-up ${i}`, checked: true });
      ui.applyInput({ type: "plotWidth", id: `root/made-up ${i}`, widthPx: 100 });
    }
    ui.frame(draw(seen));
    expect(seen).toEqual([true, false, true, false]);
  });
});

describe("diffTree", () => {
  it("sends every node first, then only what changed, and removals", () => {
    const ui = new Ui();
    const sent = new Map<string, string>();
    let label = "Record";
    let showLog = true;
    const draw = (u: Ui) =>
      u.panel("Recording", () => {
        u.button(label);
        if (showLog) {
          u.log(["a"]);
        }
      });
    const first = diffTree(ui.frame(draw).nodes, sent);
    expect(first.set.map((node) => node.id).sort()).toEqual(["root", "root/Recording", "root/Recording/Record", "root/Recording/log"]);
    expect(diffTree(ui.frame(draw).nodes, sent)).toEqual({ set: [], remove: [] });
    showLog = false;
    label = "Stop";
    const third = diffTree(ui.frame(draw).nodes, sent);
    expect(third.remove.sort()).toEqual(["root/Recording/Record", "root/Recording/log"]);
    expect(third.set.map((node) => node.id).sort()).toEqual(["root/Recording", "root/Recording/Stop"]);
  });
});
