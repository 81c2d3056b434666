// Install markers: written last by an install, so an interrupted install or a cache whose files were
// deleted is detected and installed again instead of failing at start.
import fs from 'node:fs';
import path from 'node:path';

const MARKER = '.vitrina-installed.json';

interface Marker {
  version: string;
  files: Record<string, number>;
  installedAt: string;
}

export function writeMarker(installDir: string, version: string, files: string[]): void {
  const sizes: Record<string, number> = {};
  for (const file of files) sizes[file] = fs.statSync(path.join(installDir, file)).size;
  const marker: Marker = { version, files: sizes, installedAt: new Date().toISOString() };
  fs.writeFileSync(path.join(installDir, MARKER), JSON.stringify(marker, null, 2));
}

/** True when the marker exists for this version and every file it lists is present with its size. */
export function markerValid(installDir: string, version: string): boolean {
  let marker: Marker;
  try {
    marker = JSON.parse(fs.readFileSync(path.join(installDir, MARKER), 'utf8')) as Marker;
  } catch {
    return false;
  }
  if (marker.version !== version) return false;
  return Object.entries(marker.files).every(([file, size]) => {
    try {
      return fs.statSync(path.join(installDir, file)).size === size;
    } catch {
      return false;
    }
  });
}
