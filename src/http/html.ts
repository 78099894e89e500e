/**
 * Escaping by default (the original design built HTML by concatenation, and emails could inject markup).
 * `html\`…\`` escapes every interpolated value unless it is already `Html` (the result of another
 * `html` template, or `raw()` for trusted constants). Arrays are joined, null/undefined/false vanish.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

type Interpolation = Html | string | number | null | undefined | false | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Marks trusted markup (constants written in this codebase) as safe. Never pass user input. */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** Content type of every page. */
export const HTML_TYPE = 'text/html; charset=utf-8';
