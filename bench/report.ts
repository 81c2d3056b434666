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

/** Samples a child's peak RSS until it exits (the kernel forgets it then). */
export function trackPeak(pid: number): { stop: () => number } {
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, peakRssMiB(pid) ?? 0);
  }, 200);
  return {
    stop: () => {
      clearInterval(timer);
      peak = Math.max(peak, peakRssMiB(pid) ?? 0);
      return peak;
    },
  };
}
