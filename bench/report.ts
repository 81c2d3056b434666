// Benchmarks print their figures and write them as JSON under bench/results/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));

export function writeResult(name: string, result: Record<string, unknown>): string {
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ benchmark: name, at: new Date().toISOString(), ...result }, null, 2)}\n`);
  return file;
}

/** Peak resident memory of a process (VmHWM), in MiB, read from /proc. */
export function peakRssMiB(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Samples a child's peak RSS and CPU time until it exits (the kernel forgets them then). */
export function trackPeak(pid: number): { stop: () => number; cpuSeconds: () => number } {
  let peak = 0;
  let cpu = 0;
  const sample = (): void => {
    peak = Math.max(peak, peakRssMiB(pid) ?? 0);
    cpu = Math.max(cpu, cpuSeconds(pid) ?? 0);
  };
  const timer = setInterval(sample, 200);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
    cpuSeconds: () => {
      sample();
      return cpu;
    },
  };
}
