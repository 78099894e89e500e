/**
 * A tracked link as a QR code, drawn as SVG on the server (qrcode): a few hundred bytes of paths
 * with no script, text or external reference, which any print shop or design tool opens.
 */
import QRCode from 'qrcode';

/** Medium error correction (15 %): survives a smudged print without making the code denser. */
const ERROR_CORRECTION = 'M';
/** The quiet zone of 4 modules the QR standard asks for around the code. */
const QUIET_ZONE = 4;
/** The size a downloaded file opens at; pages scale it with width and height. */
export const QR_SIZE_PX = 512;

export async function linkQrSvg(url: string): Promise<string> {
  const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: ERROR_CORRECTION, margin: QUIET_ZONE, width: QR_SIZE_PX });
  return `${svg.trim()}\n`;
}

/** The downloaded file's name: the brand's name would need escaping, the code never does. */
export function qrFileName(code: string): string {
  return `plug-and-earn-${code}.svg`;
}
