// The image of the current image search. It is kept in memory only (an image cannot live in a
// URL), so a reload of /?image=1 asks for the image again.

let current = null;
let counter = 0;

/** Remembers `file` as the query image; returns its record. */
export function setImageQuery(file) {
  if (current) URL.revokeObjectURL(current.previewUrl);
  counter += 1;
  current = { id: counter, file, previewUrl: URL.createObjectURL(file), name: file.name || 'pasted image', size: file.size, type: file.type };
  return current;
}

/** @returns {{ id: number, file: File, previewUrl: string, name: string, size: number, type: string } | null} */
export function imageQuery() {
  return current;
}

export function clearImageQuery() {
  if (current) URL.revokeObjectURL(current.previewUrl);
  current = null;
}
