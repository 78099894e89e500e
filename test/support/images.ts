/** Pictures for tests, made with sharp when asked: no image file is kept in the repository. */
import sharp from 'sharp';

/** A brand's photograph: a gradient with a few shapes, `width` × `height`, in the format asked. */
export async function brandPicture(width = 800, height = 600, format: 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff' = 'jpeg'): Promise<Buffer> {
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#2b6cb0"/><stop offset="1" stop-color="#f6e05e"/></linearGradient></defs>` +
      `<rect width="${width}" height="${height}" fill="url(#g)"/>` +
      `<circle cx="${width * 0.35}" cy="${height * 0.45}" r="${Math.min(width, height) * 0.22}" fill="#c53030"/>` +
      `<rect x="${width * 0.6}" y="${height * 0.2}" width="${width * 0.25}" height="${height * 0.55}" fill="#2f855a"/>` +
      `</svg>`,
  );
  return sharp(svg).toFormat(format).toBuffer();
}
