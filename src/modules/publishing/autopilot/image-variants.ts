/**
 * Visual variations (issue 16, « variations visuelles »): each partner's copy of a template's
 * image is a variant made here with sharp (libvips), so that partners do not all post the same
 * picture: a random crop and frame, a colour treatment, a caption band with the brand (and a
 * caption), and the disclosure (« Publicité » / "Ad") burned into the image, as French law asks
 * of images (loi n° 2023-451, art. 5). Pure: a buffer in, a buffer out, no database.
 *
 * - Deterministic: the same input, options and seed give the same bytes (one sharp version).
 * - Refused (InputError, field `image`): what sharp cannot read as a raster image (SVG too: a
 *   brand's file is not a drawing we render), more than MAX_INPUT_BYTES or MAX_INPUT_PIXELS
 *   (decompression bombs: sharp's limitInputPixels stops the decoder itself), less than
 *   MIN_INPUT_SIDE a side. The message keys are the generic 400 and 413 ones until the catalogue
 *   has the image's own.
 * - Within each network's limits: Bluesky ≤ 1,000,000 bytes (quality, then size, lowered until it
 *   fits); Mastodon ≤ 16 MB and ≤ 8.3 megapixels (downscaled).
 * - The disclosure is text in an SVG overlay, in DejaVu Sans (Debian's fonts-dejavu-core): a
 *   server without that font would draw another one, and one without any font would draw
 *   nothing, so the disclosure's ink is checked before any image is made (fontsReady).
 */
import sharp from 'sharp';
import { InputError } from '../../../lib/errors.js';

export type Disclosure = 'Publicité' | 'Ad';
export type ImageNetwork = 'bluesky' | 'mastodon';

export interface ImageVariantOptions {
  /** Chooses every random choice: the same seed gives the same image. */
  seed: number;
  disclosure: Disclosure;
  brand: string;
  /** A short line under the brand in the band. */
  caption?: string;
  /** What the image shows, for the alt text (after the disclosure and the brand). */
  description?: string;
  network: ImageNetwork;
}

export interface ImageVariant {
  data: Buffer;
  /** Always JPEG today (photographs; PNG would rarely fit Bluesky's million bytes). */
  mime: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
  /** Starts with the disclosure and the brand: « Publicité · Marque — … ». */
  alt: string;
}

export const MAX_INPUT_BYTES = 20 * 1024 * 1024;
export const MAX_INPUT_PIXELS = 40_000_000;
/** Below this a side, a picture is a thumbnail: the band would cover it. */
export const MIN_INPUT_SIDE = 200;
/** Each network's limits on an uploaded image. */
export const NETWORK_IMAGE_LIMITS: Record<ImageNetwork, { maxBytes: number; maxPixels: number; maxSide: number; maxAlt: number }> = {
  // app.bsky.embed.images: a blob of at most 1,000,000 bytes; the app shows at most 2,000 px a side.
  bluesky: { maxBytes: 1_000_000, maxPixels: 2000 * 2000, maxSide: 2000, maxAlt: 2000 },
  // Mastodon's defaults: 16 MB a picture, 8,294,400 pixels (3840 × 2160), 1,500 characters of description.
  mastodon: { maxBytes: 16 * 1024 * 1024, maxPixels: 8_294_400, maxSide: 3840, maxAlt: 1500 },
};

/** Raster formats a brand may upload (sharp's format ids; heif covers AVIF). */
const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'heif', 'tiff']);
/** The smallest crop: at least this fraction of each side is kept. */
const MIN_KEEP = 0.85;
const FONT = 'DejaVu Sans';

/** The band's colours: background, text, and the disclosure's pill and its text, all high-contrast. */
const PALETTES = [
  { band: '#101418', text: '#FFFFFF', pill: '#FFD60A', pillText: '#000000' },
  { band: '#0B2545', text: '#FFFFFF', pill: '#FFFFFF', pillText: '#0B2545' },
  { band: '#FFFFFF', text: '#111111', pill: '#111111', pillText: '#FFFFFF' },
  { band: '#F4EBD9', text: '#2B2118', pill: '#B00020', pillText: '#FFFFFF' },
  { band: '#1B4332', text: '#FFFFFF', pill: '#FFFFFF', pillText: '#1B4332' },
  { band: '#5C0F2E', text: '#FFFFFF', pill: '#FFD60A', pillText: '#000000' },
] as const;

/** A small seeded generator (mulberry32): floats in [0, 1), the same run for the same seed. */
function randomFrom(seed: number): () => number {
  let state = Math.trunc(seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Text for an SVG (or Pango markup): the five XML escapes, and no character XML forbids. */
export function escapeSvgText(text: string): string {
  return text
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Plain text of one line: no control characters, spaces folded (for the alt text). */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.normalize('NFC').replace(/[\u0000-\u001F\u007F]/g, ' ').replace(/\s+/g, ' ').trim();
}

/** How wide `text` is at 100 px in DejaVu Sans (bold or not), as Pango draws it: the SVG's own renderer. */
const widths = new Map<string, number>();
async function widthAt100(text: string, bold: boolean): Promise<number> {
  if (text === '') return 0;
  const key = `${bold ? 'b' : 'r'}${text}`;
  const known = widths.get(key);
  if (known !== undefined) return known;
  const { info } = await sharp({ text: { text: escapeSvgText(text), font: `${FONT}${bold ? ' Bold' : ''} 100px`, dpi: 72 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (widths.size >= 1000) widths.clear();
  widths.set(key, info.width);
  return info.width;
}

let fontCheck: Promise<void> | null = null;
/** The disclosure would not show without a font: refuse to make images rather than make them without it. */
function fontsReady(): Promise<void> {
  fontCheck ??= (async () => {
    const stats = await sharp({ text: { text: 'Publicité Ad', font: `${FONT} Bold 100px`, dpi: 72 } }).stats();
    const alpha = stats.channels[stats.channels.length - 1];
    if (!alpha || alpha.max === 0) throw new Error(`image variants: no font draws text on this server (install fonts-dejavu-core): the disclosure would not show`);
  })();
  fontCheck.catch(() => {
    fontCheck = null;
  });
  return fontCheck;
}

/** `text` cut (with « … ») to fit `room` px at `size` px. */
async function fitted(text: string, size: number, room: number, bold: boolean): Promise<string> {
  let line = text;
  for (let attempt = 0; attempt < 6 && line !== ''; attempt++) {
    const width = ((await widthAt100(line, bold)) * size) / 100;
    if (width <= room) return line;
    const keep = Math.max(0, Math.floor(([...line].length * room) / width) - 2);
    line = keep === 0 ? '' : `${[...line].slice(0, keep).join('').trimEnd()}…`;
  }
  return line;
}

/** The band: the disclosure first, in its pill, then the brand and the caption. */
async function bandSvg(width: number, height: number, options: ImageVariantOptions, palette: (typeof PALETTES)[number]): Promise<string> {
  const pad = Math.round(height * 0.18);
  // The pill: 40 % of the band's height, smaller only if a narrow image has no room for it.
  const disclosureAt100 = await widthAt100(options.disclosure, true);
  const pillSize = Math.max(8, Math.min(Math.round(height * 0.4), Math.floor((width - 2 * pad) / (disclosureAt100 / 100 + 1))));
  const pillWidth = Math.ceil((disclosureAt100 * pillSize) / 100) + 2 * Math.round(pillSize * 0.5);
  const pillHeight = Math.round(pillSize * 1.5);
  const pillY = Math.round((height - pillHeight) / 2);
  const textX = pad + pillWidth + pad;
  const room = Math.max(0, width - textX - pad);
  const caption = options.caption ? oneLine(options.caption) : '';
  const brandSize = Math.round(height * (caption ? 0.3 : 0.36));
  const captionSize = Math.round(height * 0.22);
  const brand = await fitted(oneLine(options.brand), brandSize, room, true);
  const captionLine = caption ? await fitted(caption, captionSize, room, false) : '';
  const brandY = captionLine ? Math.round(height * 0.45) : Math.round(height / 2 + brandSize * 0.36);
  const captionY = Math.round(height * 0.78);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">`,
    `<rect width="${width}" height="${height}" fill="${palette.band}"/>`,
    `<rect x="${pad}" y="${pillY}" width="${pillWidth}" height="${pillHeight}" rx="${Math.round(pillHeight / 4)}" fill="${palette.pill}"/>`,
    `<text x="${pad + pillWidth / 2}" y="${pillY + pillHeight / 2 + pillSize * 0.36}" text-anchor="middle" font-family="${FONT}" font-weight="bold" font-size="${pillSize}" fill="${palette.pillText}">${escapeSvgText(options.disclosure)}</text>`,
    `<text x="${textX}" y="${brandY}" font-family="${FONT}" font-weight="bold" font-size="${brandSize}" fill="${palette.text}">${escapeSvgText(brand)}</text>`,
    captionLine ? `<text x="${textX}" y="${captionY}" font-family="${FONT}" font-size="${captionSize}" fill="${palette.text}">${escapeSvgText(captionLine)}</text>` : '',
    '</svg>',
  ].join('');
}

/** The oriented size of a readable raster image within the limits, or the refusal. */
async function readableSize(input: Buffer): Promise<{ width: number; height: number }> {
  if (!Buffer.isBuffer(input) || input.length === 0) throw new InputError('image', 'error.400.body');
  if (input.length > MAX_INPUT_BYTES) throw new InputError('image', 'error.413.body');
  let metadata: sharp.Metadata;
  try {
    metadata = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  } catch {
    throw new InputError('image', 'error.400.body');
  }
  if (!ACCEPTED_FORMATS.has(metadata.format ?? '') || !metadata.width || !metadata.height) throw new InputError('image', 'error.400.body');
  if (metadata.width * metadata.height > MAX_INPUT_PIXELS) throw new InputError('image', 'error.413.body');
  if (metadata.width < MIN_INPUT_SIDE || metadata.height < MIN_INPUT_SIDE) throw new InputError('image', 'error.400.body');
  return metadata.autoOrient ?? { width: metadata.width, height: metadata.height };
}

type Matrix = [[number, number, number], [number, number, number], [number, number, number]];
const times = (a: Matrix, b: Matrix): Matrix =>
  a.map((row) => [0, 1, 2].map((column) => row.reduce((sum, value, k) => sum + value * (b[k]?.[column] ?? 0), 0))) as Matrix;

/**
 * The colour treatment as one 3 × 3 matrix (one pass over the pixels, where sharp's modulate and
 * linear took five times as long): the Filter Effects spec's saturate and hue-rotate, a warm or
 * cool cast (red up and blue down, or the reverse), then the brightness.
 */
function colourMatrix(brightness: number, saturation: number, hueDegrees: number, warmth: number): Matrix {
  const s = saturation;
  const saturate: Matrix = [
    [0.213 + 0.787 * s, 0.715 - 0.715 * s, 0.072 - 0.072 * s],
    [0.213 - 0.213 * s, 0.715 + 0.285 * s, 0.072 - 0.072 * s],
    [0.213 - 0.213 * s, 0.715 - 0.715 * s, 0.072 + 0.928 * s],
  ];
  const cos = Math.cos((hueDegrees * Math.PI) / 180);
  const sin = Math.sin((hueDegrees * Math.PI) / 180);
  const hue: Matrix = [
    [0.213 + cos * 0.787 - sin * 0.213, 0.715 - cos * 0.715 - sin * 0.715, 0.072 - cos * 0.072 + sin * 0.928],
    [0.213 - cos * 0.213 + sin * 0.143, 0.715 + cos * 0.285 + sin * 0.14, 0.072 - cos * 0.072 - sin * 0.283],
    [0.213 - cos * 0.213 - sin * 0.787, 0.715 - cos * 0.715 + sin * 0.715, 0.072 + cos * 0.928 + sin * 0.072],
  ];
  const cast: Matrix = [
    [brightness * (1 + warmth), 0, 0],
    [0, brightness, 0],
    [0, 0, brightness * (1 - warmth)],
  ];
  return times(cast, times(hue, saturate));
}

/**
 * The card's shape, as a factor of the photograph's (width / height): below 1 a taller card, above
 * a wider one, with room beside the photograph; the photograph keeps at least 74 % of the card.
 */
const CARD_SHAPES = [1, 1, 1, 0.74, 0.86, 1.18, 1.35] as const;

interface Frame {
  /** The card's shape, a factor of the photograph's. */
  shape: number;
  /** Where the photograph sits on a wider or taller card, 0 to 1 of the room. */
  placeX: number;
  placeY: number;
  /** The border, a share of the card's short side; the band's height, a share of its mean side. */
  border: number;
  band: number;
  bandOnTop: boolean;
}

/** Where everything goes for a crop of `cropWidth` × `cropHeight` drawn at `scale`. */
function layout(cropWidth: number, cropHeight: number, scale: number, frame: Frame) {
  const width = Math.max(16, Math.floor(cropWidth * scale));
  const height = Math.max(16, Math.floor(cropHeight * scale));
  let cardWidth = width;
  let cardHeight = height;
  if (frame.shape > 1) cardWidth = Math.round(width * frame.shape);
  if (frame.shape < 1) cardHeight = Math.round(height / frame.shape);
  const border = Math.round(Math.min(cardWidth, cardHeight) * frame.border);
  const offsetX = Math.round((cardWidth - width) * frame.placeX);
  const offsetY = Math.round((cardHeight - height) * frame.placeY);
  const outWidth = cardWidth + 2 * border;
  const boxHeight = cardHeight + 2 * border;
  const bandHeight = Math.max(40, Math.round(frame.band * Math.sqrt(outWidth * boxHeight)));
  return {
    width,
    height,
    padLeft: border + offsetX,
    padRight: border + cardWidth - width - offsetX,
    padTop: border + offsetY + (frame.bandOnTop ? bandHeight : 0),
    padBottom: border + cardHeight - height - offsetY + (frame.bandOnTop ? 0 : bandHeight),
    bandHeight,
    bandTop: frame.bandOnTop ? 0 : boxHeight,
    outWidth,
    outHeight: boxHeight + bandHeight,
  };
}

const between = (random: () => number, min: number, max: number) => min + random() * (max - min);

/**
 * The partner's variant of `input` for `options.seed`. Throws InputError (field `image`) for an
 * input that is not an image sharp reads, or too large.
 */
export async function makeImageVariant(input: Buffer, options: ImageVariantOptions): Promise<ImageVariant> {
  const source = await readableSize(input);
  await fontsReady();
  const random = randomFrom(options.seed);
  const limits = NETWORK_IMAGE_LIMITS[options.network];

  // Crop: 85 to 97 % of each side, anywhere.
  const cropWidth = Math.max(1, Math.round(source.width * between(random, MIN_KEEP, 0.97)));
  const cropHeight = Math.max(1, Math.round(source.height * between(random, MIN_KEEP, 0.97)));
  const left = Math.floor(random() * (source.width - cropWidth + 1));
  const top = Math.floor(random() * (source.height - cropHeight + 1));

  // Framing: the photograph on a card wider or taller than itself (or just around it), anywhere
  // on it, a border of 0 to 3 % of its short side, and the band (11 to 16 %) above or below.
  const palette = PALETTES[Math.floor(random() * PALETTES.length)] ?? PALETTES[0];
  const frame: Frame = {
    shape: CARD_SHAPES[Math.floor(random() * CARD_SHAPES.length)] ?? 1,
    placeX: random(),
    placeY: random(),
    border: between(random, 0, 0.03),
    band: between(random, 0.11, 0.16),
    bandOnTop: random() < 0.5,
  };

  // Colour: brightness ±8 %, saturation -15 to +20 %, hue ±15°, a warm or cool cast of ±6 %.
  const brightness = between(random, 0.92, 1.08);
  const saturation = between(random, 0.85, 1.2);
  const hue = Math.round(between(random, -15, 15));
  const warmth = between(random, -0.06, 0.06);

  // Sizes: the card and its band within the network's pixels and sides, then its bytes.
  const whole = layout(cropWidth, cropHeight, 1, frame);
  let scale = Math.min(1, limits.maxSide / whole.outWidth, limits.maxSide / whole.outHeight, Math.sqrt(limits.maxPixels / (whole.outWidth * whole.outHeight)));
  for (let attempt = 0; attempt < 8; attempt++) {
    let card = layout(cropWidth, cropHeight, scale, frame);
    while ((card.outWidth > limits.maxSide || card.outHeight > limits.maxSide || card.outWidth * card.outHeight > limits.maxPixels) && card.width > 16) {
      scale *= 0.98;
      card = layout(cropWidth, cropHeight, scale, frame);
    }
    const photo = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS })
      .rotate()
      .extract({ left, top, width: cropWidth, height: cropHeight })
      .resize(card.width, card.height, { fit: 'fill' })
      .flatten({ background: '#FFFFFF' })
      .recomb(colourMatrix(brightness, saturation, hue, warmth))
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true })
      .catch(() => {
        // A header that reads but a body that does not (a truncated or corrupt file).
        throw new InputError('image', 'error.400.body');
      });
    const band = Buffer.from(await bandSvg(card.outWidth, card.bandHeight, options, palette));
    const framed = sharp(photo.data, { raw: { width: photo.info.width, height: photo.info.height, channels: photo.info.channels } })
      .extend({ top: card.padTop, bottom: card.padBottom, left: card.padLeft, right: card.padRight, background: palette.band })
      .composite([{ input: band, left: 0, top: card.bandTop }]);
    const { outWidth, outHeight } = card;
    const flat = await framed.raw().toBuffer({ resolveWithObject: true });
    for (const quality of [86, 78, 70, 62]) {
      const data = await sharp(flat.data, { raw: { width: outWidth, height: outHeight, channels: flat.info.channels } })
        .removeAlpha().jpeg({ quality, optimiseCoding: true, chromaSubsampling: '4:2:0' }).toBuffer();
      if (data.length <= limits.maxBytes) return { data, mime: 'image/jpeg', width: outWidth, height: outHeight, alt: altText(options, limits.maxAlt) };
    }
    scale *= 0.8;
  }
  throw new Error(`image variants: no JPEG of this image fits ${options.network}'s ${limits.maxBytes} bytes`);
}

/** « Publicité · Marque — what the image shows », within the network's length for a description. */
export function altText(options: ImageVariantOptions, max: number): string {
  const what = oneLine(options.description ?? '') || oneLine(options.caption ?? '') || (options.disclosure === 'Ad' ? "the brand's image" : 'image de la marque');
  const alt = `${options.disclosure} · ${oneLine(options.brand)} — ${what}`;
  const chars = [...alt];
  return chars.length <= max ? alt : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * A 64-bit difference hash (dHash): the image in 9 × 8 greys, each pixel brighter than its right
 * neighbour or not. Near-identical pictures (re-encoded, recoloured, slightly resized) differ by a
 * few bits; different ones by about half of them. Twenty lines with sharp rather than a package:
 * the npm ones pull in their own decoders (jimp) or are unmaintained.
 */
export async function perceptualHash(image: Buffer): Promise<bigint> {
  const grey = await sharp(image, { limitInputPixels: MAX_INPUT_PIXELS }).rotate().greyscale().resize(9, 8, { fit: 'fill' }).raw().toBuffer();
  let hash = 0n;
  for (let row = 0; row < 8; row++) {
    for (let column = 0; column < 8; column++) {
      const here = grey[row * 9 + column] ?? 0;
      const right = grey[row * 9 + column + 1] ?? 0;
      hash = (hash << 1n) | (here > right ? 1n : 0n);
    }
  }
  return hash;
}

/** How many of the 64 bits differ between two hashes. */
export function hammingDistance(a: bigint, b: bigint): number {
  let rest = BigInt.asUintN(64, a ^ b);
  let count = 0;
  while (rest !== 0n) {
    rest &= rest - 1n;
    count++;
  }
  return count;
}
