// CPU accounting from /proc (Linux), read from outside the measured
// processes so that measuring costs them nothing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let tck: number | undefined;
function ticksPerSecond(): number {
  tck ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return tck;
}

interface Stat {
  pid: number;
  ppid: number;
  comm: string;
  /** user + system CPU of all its threads, seconds */
  cpu: number;
  /** user + system CPU of its children that exited and were waited for, seconds */
  reaped: number;
}

function stat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may contain spaces and parentheses: split after the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state): utime is field 14, stime field 15.
  return { pid, ppid: Number(f[1]), comm, cpu: (Number(f[11]) + Number(f[12])) / ticksPerSecond(), reaped: (Number(f[13]) + Number(f[14])) / ticksPerSecond() };
}

/** `root` and all its descendants. */
export function processTree(root: number): Stat[] {
  const all: Stat[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s) all.push(s);
  }
  const keep = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of all) {
      if (!keep.has(s.pid) && keep.has(s.ppid)) {
        keep.add(s.pid);
        grew = true;
      }
    }
  }
  return all.filter((s) => keep.has(s.pid));
}

/** CPU seconds used so far by each of `pids` (undefined once a process is gone). */
export function cpuSeconds(pids: number[]): Map<number, number | undefined> {
  return new Map(pids.map((pid) => [pid, stat(pid)?.cpu]));
}

/** Whole-machine CPU time so far, seconds summed over cores: busy and total. */
export function machineCpu(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  return { busy: (total - idle) / ticksPerSecond(), total: total / ticksPerSecond() };
}

export function exePath(pid: number): string | undefined {
  try {
    return fs.realpathSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}
