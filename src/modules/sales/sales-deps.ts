/** What the sales services need from the rest of the app, built once from the settings. */
import type { Config } from '../../config.js';
import { parseClickId } from '../clicks/click-id.js';
import type { SalesDeps } from './sales.js';

export function salesDeps(config: Config): SalesDeps {
  return { parseClickId: (text) => parseClickId(config, text) };
}
