// One reader of Linux's /proc/<pid>/stat (and /proc/<pid>/task/<tid>/stat) for the tests, the bench and the
// process helpers, instead of each splitting the line by hand. The command name (field 2) sits in
// parentheses and may hold spaces and parentheses itself, so fields are counted from after its last ")".
import { readFileSync } from "node:fs";

/** Clock ticks per second in /proc times: USER_HZ, 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

export interface ProcStat {
  /** The command name (comm), as the kernel truncates it. */
  name: string;
  ppid: number;
  /** User plus system CPU time, in seconds. */
  cpuSeconds: number;
  nice: number;
}

/** `path` is "<pid>" or "<pid>/task/<tid>"; null when the process or thread has gone. */
export function readProcStat(path: string | number): ProcStat | null {
  let line: string;
  try {
    line = readFileSync(`/proc/${path}/stat`, "utf8");
  } catch {
    return null;
  }
  return parseProcStat(line);
}

/** One stat line, as proc(5) lays it out. */
export function parseProcStat(line: string): ProcStat {
  const close = line.lastIndexOf(")");
  // Fields from the third on (state first), so field N of proc(5) is rest[N - 3].
  const rest = line.slice(close + 2).split(" ");
  return {
    name: line.slice(line.indexOf("(") + 1, close),
    ppid: Number(rest[1]),
    cpuSeconds: (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND,
    nice: Number(rest[16]),
  };
}
