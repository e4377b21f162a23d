// The heap settings the app's processes run with (scripts/lib/node-flags.mjs): package.json's `npm start` and
// `npm run worker` must carry exactly the list that the demo, the tests and the bench start the entries
// with, or what is measured is not what operators run; and node must accept every flag in it.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/app-process";
import { APP_NODE_FLAGS } from "../../scripts/lib/node-flags.mjs";

const scripts = (JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")) as { scripts: Record<string, string> }).scripts;

describe("the app's node flags", () => {
  it.each(["server", "worker"])("`npm %s` runs the compiled entry with APP_NODE_FLAGS", (entry) => {
    const script = scripts[entry === "server" ? "start" : "worker"];
    expect(script).toBe(`node ${APP_NODE_FLAGS.join(" ")} scripts/run-built.mjs ${entry}`);
  });

  it("node accepts them, and the young generation is bounded as they say", () => {
    // Churns through short-lived objects, then reports the new space's size in MB.
    const churn = `let k=[];for(let i=0;i<3e6;i++){k.push({i});if(k.length>2e5)k=[]}
      console.log(require("node:v8").getHeapSpaceStatistics().find((s)=>s.space_name==="new_space").space_size/1048576)`;
    const run = (flags: string[]) => spawnSync(process.execPath, [...flags, "-e", churn], { encoding: "utf8" });
    const tuned = run(APP_NODE_FLAGS);
    expect(tuned.stderr).toBe("");
    expect(tuned.status).toBe(0);
    const semiSpaceMb = Number(/--max-semi-space-size=(\d+)/.exec(APP_NODE_FLAGS.join(" "))![1]);
    expect(Number(tuned.stdout)).toBeLessThanOrEqual(2 * semiSpaceMb);
    // Without them V8 grows the same churn's young generation past that: the flag is what bounds it.
    expect(Number(run([]).stdout)).toBeGreaterThan(2 * semiSpaceMb);
  });
});
