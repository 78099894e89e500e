/**
 * The visual variations of issue 16: 200 partners' copies of one image, how many pairs look the
 * same to a perceptual hash (the figure the issue asks for, printed), each within Bluesky's
 * million bytes, the disclosure burned into the band, the same seed the same bytes, and the
 * refusals (field `image`). Every image is made here with sharp: no fixture files.
 */
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.js';
import { hammingDistance, makeImageVariant, NETWORK_IMAGE_LIMITS, perceptualHash, type ImageVariantOptions } from '../../src/modules/publishing/autopilot/image-variants.js';

const PARTNERS = 200;
/**
 * At most this many of 64 bits apart is « the same picture »: the threshold must catch what a
 * network does to one image (re-encoded at a lower quality, downscaled), which the first test
 * measures (0 to 2 bits here), with room; variants of one source share its layout, so a far larger
 * threshold would call different crops of it the same.
 */
const SAME_PICTURE = 4;

const base: ImageVariantOptions = { seed: 1, disclosure: 'Publicité', brand: 'Maison Lumière', caption: 'Collection été 2026', network: 'bluesky' };

/** A brand's picture: a diagonal gradient, shapes in several colours, a band of stripes. */
function sourceSvg(width: number, height: number): Buffer {
  const stripes = Array.from({ length: 12 }, (_, i) => `<rect x="${(i * width) / 12}" y="${height * 0.82}" width="${width / 24}" height="${height * 0.1}" fill="${i % 2 ? '#264653' : '#e9c46a'}"/>`).join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#3a7bd5"/><stop offset="0.5" stop-color="#f4f1de"/><stop offset="1" stop-color="#f9d423"/></linearGradient>` +
      `<radialGradient id="r"><stop offset="0" stop-color="#ffffff"/><stop offset="1" stop-color="#e63946"/></radialGradient></defs>` +
      `<rect width="${width}" height="${height}" fill="url(#g)"/>` +
      `<circle cx="${width * 0.3}" cy="${height * 0.42}" r="${height * 0.25}" fill="url(#r)"/>` +
      `<rect x="${width * 0.6}" y="${height * 0.18}" width="${width * 0.28}" height="${height * 0.5}" fill="#2a9d8f" transform="rotate(8 ${width * 0.74} ${height * 0.43})"/>` +
      `<polygon points="${width * 0.05},${height * 0.95} ${width * 0.2},${height * 0.6} ${width * 0.35},${height * 0.95}" fill="#6d597a"/>` +
      `<circle cx="${width * 0.9}" cy="${height * 0.85}" r="${height * 0.08}" fill="#1d3557"/>` +
      stripes +
      `</svg>`,
  );
}

/** A picture JPEG cannot squeeze: seeded noise, so the million bytes take a lower quality or size. */
async function noiseJpeg(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  let state = 12345;
  for (let i = 0; i < pixels.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    pixels[i] = state >>> 24;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
}

/** A PNG whose header claims `width` × `height` over a few bytes of data: a decompression bomb's header. */
function bombPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.alloc(1000))), chunk('IEND', Buffer.alloc(0))]);
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

async function refusal(input: Buffer): Promise<{ field: string | null; key: string } | null> {
  try {
    await makeImageVariant(input, base);
    return null;
  } catch (error) {
    if (error instanceof InputError) return { field: error.field, key: error.messageKey };
    throw error;
  }
}

/** The rows where two decoded images of the same size differ, and the rightmost column that does. */
async function differingRows(a: Buffer, b: Buffer): Promise<{ rows: number[]; height: number; lastColumn: number }> {
  const [left, right] = await Promise.all([sharp(a).raw().toBuffer({ resolveWithObject: true }), sharp(b).raw().toBuffer({ resolveWithObject: true })]);
  expect([left.info.width, left.info.height]).toEqual([right.info.width, right.info.height]);
  const stride = left.info.width * left.info.channels;
  const rows: number[] = [];
  let lastColumn = -1;
  for (let row = 0; row < left.info.height; row++) {
    let differs = 0;
    for (let i = row * stride; i < (row + 1) * stride; i++) {
      if (Math.abs((left.data[i] ?? 0) - (right.data[i] ?? 0)) <= 24) continue;
      differs++;
      lastColumn = Math.max(lastColumn, Math.floor((i - row * stride) / left.info.channels));
    }
    if (differs > 0) rows.push(row);
  }
  return { rows, height: left.info.height, lastColumn };
}

let source: Buffer;
beforeAll(async () => {
  source = await sharp(sourceSvg(1200, 800)).jpeg({ quality: 90 }).toBuffer();
});

describe('visual variations of a template’s image', () => {
  it('the perceptual hash: the same picture after a network’s re-encoding is a few bits away, another picture about half of them', async () => {
    const variant = await makeImageVariant(source, base);
    const hash = await perceptualHash(variant.data);
    const reencoded = await sharp(variant.data).resize(Math.round(variant.width / 2)).jpeg({ quality: 55 }).toBuffer();
    const recompressed = await sharp(variant.data).jpeg({ quality: 40 }).toBuffer();
    const after = [hammingDistance(hash, await perceptualHash(reencoded)), hammingDistance(hash, await perceptualHash(recompressed))];
    const other = hammingDistance(await perceptualHash(source), await perceptualHash(await noiseJpeg(300, 200)));
    console.log(`perceptual hash: a variant and itself halved at quality 55 / at quality 40: ${after.join(' / ')} bits of 64; the source and noise: ${other}`);
    expect(hammingDistance(hash, hash)).toBe(0);
    for (const distance of after) expect(distance).toBeLessThanOrEqual(SAME_PICTURE);
    expect(other).toBeGreaterThan(16);
    expect(hammingDistance(0n, -1n)).toBe(64);
  });

  it(`${PARTNERS} partners: few pairs of perceptually identical images, each within Bluesky’s 1,000,000 bytes`, async () => {
    const started = performance.now();
    const hashes: bigint[] = [];
    const sizes: number[] = [];
    for (let seed = 1; seed <= PARTNERS; seed++) {
      const variant = await makeImageVariant(source, { ...base, seed, disclosure: seed % 2 ? 'Publicité' : 'Ad' });
      expect(variant.mime).toBe('image/jpeg');
      expect(variant.data.length).toBeLessThanOrEqual(NETWORK_IMAGE_LIMITS.bluesky.maxBytes);
      sizes.push(variant.data.length);
      hashes.push(await perceptualHash(variant.data));
    }
    const seconds = (performance.now() - started) / 1000;
    const sourceHash = await perceptualHash(source);
    const distances: number[] = [];
    for (let i = 0; i < hashes.length; i++) for (let j = i + 1; j < hashes.length; j++) distances.push(hammingDistance(hashes[i]!, hashes[j]!));
    const pairs = distances.length;
    const identical = distances.filter((distance) => distance <= SAME_PICTURE).length;
    const exact = distances.filter((distance) => distance === 0).length;
    const sorted = [...distances].sort((a, b) => a - b);
    const fromSource = hashes.map((hash) => hammingDistance(hash, sourceHash)).sort((a, b) => a - b);
    const bytes = [...sizes].sort((a, b) => a - b);
    console.log(
      `visual variations: ${PARTNERS} variants in ${seconds.toFixed(1)} s (${((seconds * 1000) / PARTNERS).toFixed(0)} ms each); ` +
        `${identical} of ${pairs} pairs perceptually identical (dHash distance ≤ ${SAME_PICTURE} of 64; ${(100 * identical / pairs).toFixed(2)} %), ${exact} with the same hash; ` +
        `distance between pairs: min ${sorted[0]}, median ${sorted[Math.floor(pairs / 2)]}, max ${sorted[pairs - 1]}; from the source: min ${fromSource[0]}, median ${fromSource[PARTNERS / 2]}; ` +
        `sizes ${bytes[0]}–${bytes[bytes.length - 1]} bytes (median ${bytes[PARTNERS / 2]})`,
    );
    expect(identical / pairs).toBeLessThan(0.01);
    expect(new Set(hashes).size).toBeGreaterThan(PARTNERS * 0.9);
  }, 180_000);

  it('the same seed gives the same bytes, another seed another image; each crop keeps at least 85 % of each side', async () => {
    const [one, again, other] = await Promise.all([makeImageVariant(source, base), makeImageVariant(source, base), makeImageVariant(source, { ...base, seed: 2 })]);
    expect(one.data.equals(again.data)).toBe(true);
    expect(one.data.equals(other.data)).toBe(false);
    for (let seed = 1; seed <= 20; seed++) {
      const variant = await makeImageVariant(source, { ...base, seed });
      const meta = await sharp(variant.data).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([variant.width, variant.height, 'jpeg']);
      // At least the photograph's 85 % of a side, on a card at most twice its area (a card 1.35 times wider, the border and the band).
      expect(Math.max(variant.width, variant.height)).toBeGreaterThanOrEqual(Math.floor(1200 * 0.85));
      expect(variant.width * variant.height).toBeLessThanOrEqual(1200 * 800 * 2);
    }
  });

  it('burns the disclosure into the band: « Publicité » and "Ad" with the same seed differ in the band only, which does not come from the photograph', async () => {
    const other = await sharp(sourceSvg(1200, 800)).negate().jpeg({ quality: 90 }).toBuffer();
    for (const seed of [3, 4, 5, 6, 7, 8]) {
      const french = await makeImageVariant(source, { ...base, seed });
      const english = await makeImageVariant(source, { ...base, seed, disclosure: 'Ad' });
      const { rows, height } = await differingRows(french.data, english.data);
      expect(rows.length).toBeGreaterThan(8);
      // The band: at most a fifth of the height, at the top or at the bottom.
      const top = rows.every((row) => row < height * 0.2);
      const bottom = rows.every((row) => row >= height * 0.8);
      expect(top || bottom).toBe(true);

      // The same seed over another photograph: the band's text rows are the same, the photograph's are not.
      const negative = await makeImageVariant(other, { ...base, seed });
      const textRows = { left: 0, top: rows[0]!, width: french.width, height: rows[rows.length - 1]! - rows[0]! + 1 };
      const middle = { left: 0, top: Math.round(height * 0.4), width: french.width, height: Math.round(height * 0.2) };
      const gap = async (region: typeof textRows) => {
        const [a, b] = await Promise.all([sharp(french.data).extract(region).raw().toBuffer(), sharp(negative.data).extract(region).raw().toBuffer()]);
        let sum = 0;
        for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
        return sum / a.length;
      };
      expect(await gap(textRows)).toBeLessThan(3);
      expect(await gap(middle)).toBeGreaterThan(30);
      expect(french.alt.startsWith('Publicité · Maison Lumière — ')).toBe(true);
      expect(english.alt.startsWith('Ad · Maison Lumière — ')).toBe(true);
    }
  });

  it('fits the disclosure’s pill into a narrow picture', async () => {
    const narrow = await sharp(sourceSvg(1200, 800)).resize(200, 2000, { fit: 'fill' }).png().toBuffer();
    for (const seed of [1, 2, 3]) {
      const french = await makeImageVariant(narrow, { ...base, seed });
      const english = await makeImageVariant(narrow, { ...base, seed, disclosure: 'Ad' });
      const { rows, lastColumn } = await differingRows(french.data, english.data);
      expect(rows.length).toBeGreaterThan(5);
      expect(lastColumn).toBeLessThan(french.width - 3);
    }
  });

  it('takes any brand and caption: markup is text, a long caption is cut, the alt text says it all', async () => {
    const variant = await makeImageVariant(source, {
      ...base,
      brand: 'L’Atelier <b>&</b> "Cie" l\'an \u0007',
      caption: 'Une légende bien trop longue pour la bande, qui continue encore et encore jusqu’à déborder largement de l’image, vraiment.',
      description: 'Un cercle rouge et un carré vert sur un dégradé',
    });
    expect(variant.data.length).toBeGreaterThan(1000);
    expect(variant.alt).toBe('Publicité · L’Atelier <b>&</b> "Cie" l\'an — Un cercle rouge et un carré vert sur un dégradé');
    const noCaption = await makeImageVariant(source, { ...base, caption: undefined, disclosure: 'Ad' });
    expect(noCaption.alt).toBe('Ad · Maison Lumière — the brand\'s image');
  });

  it('fits each network: Bluesky’s million bytes by quality or size, Mastodon’s 8.3 megapixels by size', async () => {
    const noisy = await noiseJpeg(2400, 1800);
    const bluesky = await makeImageVariant(noisy, { ...base, seed: 7 });
    console.log(`a noisy 2400 × 1800 picture for Bluesky: ${bluesky.width} × ${bluesky.height}, ${bluesky.data.length} bytes`);
    expect(bluesky.data.length).toBeLessThanOrEqual(1_000_000);
    expect(Math.max(bluesky.width, bluesky.height)).toBeLessThanOrEqual(2000);

    const large = await sharp(sourceSvg(4200, 2800)).jpeg({ quality: 85 }).toBuffer();
    const mastodon = await makeImageVariant(large, { ...base, seed: 8, network: 'mastodon' });
    console.log(`a 4200 × 2800 picture for Mastodon: ${mastodon.width} × ${mastodon.height} (${((mastodon.width * mastodon.height) / 1e6).toFixed(2)} Mpx), ${mastodon.data.length} bytes`);
    expect(mastodon.width * mastodon.height).toBeLessThanOrEqual(8_294_400);
    expect(mastodon.width * mastodon.height).toBeGreaterThan(8_294_400 * 0.8);
    expect(mastodon.data.length).toBeLessThanOrEqual(16 * 1024 * 1024);
  }, 60_000);

  it('refuses, field `image`, what is not a raster image sharp reads, and what is too large', async () => {
    expect(await refusal(Buffer.from('not an image at all'))).toEqual({ field: 'image', key: 'error.400.body' });
    expect(await refusal(Buffer.alloc(0))).toEqual({ field: 'image', key: 'error.400.body' });
    expect(await refusal(source.subarray(0, 20))).toEqual({ field: 'image', key: 'error.400.body' });
    // A header that reads over a body cut in half.
    expect(await refusal(source.subarray(0, Math.round(source.length / 2)))).toEqual({ field: 'image', key: 'error.400.body' });
    expect(await refusal(sourceSvg(300, 200))).toEqual({ field: 'image', key: 'error.400.body' });
    // A thumbnail: the band would cover it.
    expect(await refusal(await sharp(source).resize(300, 150).png().toBuffer())).toEqual({ field: 'image', key: 'error.400.body' });
    // 50,000 × 40,000 pixels (2 gigapixels) in a few bytes: refused from its header, never decoded.
    expect(await refusal(bombPng(50_000, 40_000))).toMatchObject({ field: 'image' });
    // 8,000 × 6,000: 48 megapixels, above the 40 allowed.
    expect(await refusal(bombPng(8000, 6000))).toMatchObject({ field: 'image' });
    // More than 20 MB, whatever it holds.
    expect(await refusal(Buffer.concat([source, Buffer.alloc(21 * 1024 * 1024)]))).toEqual({ field: 'image', key: 'error.413.body' });
  });
});
