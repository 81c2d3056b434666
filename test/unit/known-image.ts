// The known image of the preprocessing parity tests (models/parity/encoder_reference.py draws the
// same one): R a horizontal gradient, G a texture, B a 10-pixel checkerboard, as PNG.
import sharp from 'sharp';

export async function knownImage(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * 3;
      raw[i] = Math.floor((x * 255) / (width - 1));
      raw[i + 1] = (y * 7 + x * 3) % 256;
      raw[i + 2] = ((Math.floor(x / 10) + Math.floor(y / 10)) % 2) * 200 + 30;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
}
