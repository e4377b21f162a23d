// Peak resident memory (VmHWM) of a process and of the processes it forked to serve (node:cluster
// children), each on its own: the targets are per process. tsx's esbuild service is a helper of the
// launcher, not the app, and is left out. Linux only; null elsewhere.
import { existsSync, readFileSync } from "node:fs";
import { descendants, vmHwmBytes } from "../scripts/lib/app-process";

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
