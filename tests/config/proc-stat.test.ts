// scripts/lib/proc-stat.ts: the one reader of /proc/<pid>/stat behind the bench's CPU figures, the worker
// priority test and the process helpers' child lookup.
import { expect, it } from "vitest";
import { parseProcStat, readProcStat } from "../../scripts/lib/proc-stat";

it("counts fields from after the command name's last parenthesis, whatever the name holds", () => {
  // A thread may name itself anything, spaces and parentheses included (16 bytes at most).
  const line = "4242 (a) b (c) d) S 17 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 30 10 12 0 5000 1000000 2000";
  expect(parseProcStat(line)).toEqual({ name: "a) b (c) d", ppid: 17, cpuSeconds: 3.25, nice: 10 });
});

it.runIf(process.platform === "linux")("reads this process: its parent, a CPU time that grows, its nice value", () => {
  const before = readProcStat(process.pid)!;
  expect(before.ppid).toBe(process.ppid);
  expect(before.nice).toBeGreaterThanOrEqual(-20);
  const until = Date.now() + 50;
  while (Date.now() < until) {
    // Spin so the CPU time moves by at least a tick.
  }
  expect(readProcStat(process.pid)!.cpuSeconds).toBeGreaterThan(before.cpuSeconds);
  expect(readProcStat(`${process.pid}/task/${process.pid}`)?.ppid).toBe(process.ppid);
  expect(readProcStat(2 ** 30)).toBeNull();
});
