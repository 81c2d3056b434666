// Summary of V8 CPU profiles (`bench pipeline --cpu-prof <dir>` writes one per process and thread):
// per profile, the busy milliseconds (idle left out) and where they went, grouped by package (a
// dependency under node_modules), project file, or V8's own entries (GC, program), with the top
// functions. `npx vitrina bench cpu-profile <dir>` prints it.
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  file: string;
  busyMs: number;
  idleMs: number;
  groups: Array<{ name: string; ms: number; share: number }>;
  functions: Array<{ name: string; ms: number }>;
}

function groupOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return 'node:';
  const file = url.replace(/^file:\/\//, '');
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  return file.startsWith(root) ? path.relative(root, file) : file;
}

export function summarize(file: string, top = 12): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i += 1) selfMs.set(samples[i]!, (selfMs.get(samples[i]!) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
  const groups = new Map<string, number>();
  const functions = new Map<string, number>();
  let idleMs = 0;
  let busyMs = 0;
  for (const [id, ms] of selfMs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    const group = groupOf(url, functionName);
    groups.set(group, (groups.get(group) ?? 0) + ms);
    const fn = `${functionName || '(anonymous)'} ${group}${url ? `:${lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>): Array<[string, number]> => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    file: path.basename(file),
    busyMs: Math.round(busyMs),
    idleMs: Math.round(idleMs),
    groups: sorted(groups).map(([name, ms]) => ({ name, ms: Math.round(ms), share: Math.round((ms / Math.max(busyMs, 1)) * 1000) / 1000 })),
    functions: sorted(functions).map(([name, ms]) => ({ name, ms: Math.round(ms) })),
  };
}

export function runCpuProfileSummary(dir: string, top: number): void {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  for (const f of files) {
    const s = summarize(path.join(dir, f), top);
    if (s.busyMs < 200) continue; // the loader thread of a process, nearly idle
    process.stdout.write(`\n${s.file}: busy ${(s.busyMs / 1000).toFixed(1)} s, idle ${(s.idleMs / 1000).toFixed(1)} s\n`);
    for (const g of s.groups) process.stdout.write(`  ${(g.ms / 1000).toFixed(2).padStart(7)} s ${(g.share * 100).toFixed(1).padStart(5)}%  ${g.name}\n`);
    process.stdout.write('  top functions:\n');
    for (const fn of s.functions) process.stdout.write(`  ${(fn.ms / 1000).toFixed(2).padStart(7)} s  ${fn.name}\n`);
  }
}
