// The toolchains the stack installs with, and one clear error when one is missing.
import { spawnSync } from 'node:child_process';
import { StackError, type Tool } from './types.ts';

export const java: Tool = { command: 'java', versionArgs: ['-version'], fix: 'install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless) and put java on PATH' };
export const maven: Tool = { command: 'mvn', versionArgs: ['--version'], fix: 'install Apache Maven (Debian: apt-get install maven) and put mvn on PATH' };
export const go: Tool = { command: 'go', versionArgs: ['version'], fix: 'install the Go toolchain (1.24 or newer) and put go on PATH' };
export const python: Tool = { command: 'python3', versionArgs: ['--version'], fix: 'install Python 3 with pip (Debian: apt-get install python3-pip) and put python3 on PATH' };

export function requireTools(service: string, tools: Tool[]): void {
  for (const tool of tools) {
    const probe = spawnSync(tool.command, tool.versionArgs, { stdio: 'ignore' });
    if (probe.error || probe.status !== 0) {
      throw new StackError(`${service} needs '${tool.command}', which is not on PATH`, tool.fix);
    }
  }
}
