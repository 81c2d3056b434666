// The frame header of a JPEG read in TypeScript (no decoder, no thread pool): its size, its number of
// components, and whether the data ends with the end-of-image marker, as a cut-short file does not.
// It lets ingest recognise an image that is already normalised without handing it to sharp.

export interface JpegFrame {
  width: number;
  height: number;
  components: number;
  /** The bytes end with the end-of-image marker (zero padding after it allowed). */
  complete: boolean;
}

/** Start-of-frame markers (C0-CF) other than DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

export function jpegFrame(bytes: Buffer): JpegFrame | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2; // markers without a length
      continue;
    }
    if (isStartOfFrame(marker)) {
      if (i + 10 > bytes.length) return undefined;
      let end = bytes.length;
      while (end > 0 && bytes[end - 1] === 0) end -= 1;
      return {
        height: bytes.readUInt16BE(i + 5),
        width: bytes.readUInt16BE(i + 7),
        components: bytes[i + 9]!,
        complete: end >= 2 && bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9,
      };
    }
    i += 2 + bytes.readUInt16BE(i + 2);
  }
  return undefined;
}
