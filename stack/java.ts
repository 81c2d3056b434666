// Finding a Java runtime of at least a given major version. Apicurio Registry 3 is compiled for
// Java 21, while the `java` on PATH may be older (Debian bookworm's default is 17), so the JDKs
// installed beside it under /usr/lib/jvm are looked at too.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface JavaRuntime {
  /** Absolute path of the `java` binary, or plain `java` when it was found on PATH. */
  bin: string;
  major: number;
}

const JVM_ROOTS = ['/usr/lib/jvm', '/usr/java', '/opt/java'];

/** Major version from a version string: "25.0.3+9" → 25, "1.8.0_402" → 8. */
export function majorOf(version: string): number | undefined {
  const match = /^(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

/** Major version of the JDK or JRE at javaHome, read from its `release` file. */
function homeMajor(javaHome: string): number | undefined {
  try {
    const release = fs.readFileSync(path.join(javaHome, 'release'), 'utf8');
    const match = /^JAVA_VERSION="([^"]+)"/m.exec(release);
    return match?.[1] ? majorOf(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Major version of the `java` on PATH, from `java -version` (printed on stderr). */
function pathMajor(): number | undefined {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return undefined;
  const match = /version "([^"]+)"/.exec(`${probe.stderr}${probe.stdout}`);
  return match?.[1] ? majorOf(match[1]) : undefined;
}

function homes(env: NodeJS.ProcessEnv): string[] {
  const explicit = [env.VITRINA_JAVA_HOME, env.JAVA_HOME].filter((h): h is string => Boolean(h));
  const installed = JVM_ROOTS.flatMap((root) => {
    try {
      return fs.readdirSync(root).map((name) => path.join(root, name));
    } catch {
      return [];
    }
  });
  return [...explicit, ...installed];
}

/**
 * The newest Java runtime with major version >= minMajor: VITRINA_JAVA_HOME and JAVA_HOME first
 * (when new enough), then the JDKs under /usr/lib/jvm, then `java` on PATH.
 */
export function findJava(minMajor: number, env: NodeJS.ProcessEnv = process.env): JavaRuntime | undefined {
  const candidates: JavaRuntime[] = [];
  for (const home of homes(env)) {
    const bin = path.join(home, 'bin', 'java');
    const major = homeMajor(home);
    if (major !== undefined && major >= minMajor && fs.existsSync(bin)) candidates.push({ bin, major });
  }
  const explicit = candidates.find((c) => [env.VITRINA_JAVA_HOME, env.JAVA_HOME].some((h) => h && c.bin.startsWith(h)));
  if (explicit) return explicit;
  if (candidates.length > 0) return candidates.sort((a, b) => b.major - a.major)[0];
  const major = pathMajor();
  return major !== undefined && major >= minMajor ? { bin: 'java', major } : undefined;
}
