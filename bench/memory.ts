// Peak resident memory (VmHWM) of a process and of the processes it forked to serve (node:cluster
// children), each on its own: the targets are per process. tsx's esbuild service is a helper of the
// launcher, not the app, and is left out. Linux only; null elsewhere.
import { existsSync, readdirSync, readFileSync } from "node:fs";

export interface ProcessPeaks {
  /** The largest single process's peak. */
  largest: number;
  /** The sum of every process's peak (they need not have peaked at once). */
  total: number;
  processes: number;
}

export function processPeaks(rootPid: number | undefined): ProcessPeaks | null {
  if (rootPid === undefined || !existsSync("/proc/self/status")) return null;
  const pids = [rootPid, ...descendants(rootPid).filter((pid) => !isEsbuild(pid))];
  const peaks = pids.map(vmHwmBytes).filter((b): b is number => b !== null);
  if (peaks.length === 0) return null;
  return { largest: Math.max(...peaks), total: peaks.reduce((a, b) => a + b, 0), processes: peaks.length };
}

function isEsbuild(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("esbuild");
  } catch {
    return true;
  }
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent; the command name before it may contain spaces.
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function vmHwmBytes(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
