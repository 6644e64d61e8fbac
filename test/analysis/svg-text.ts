/** Reads the <text> elements of the report's SVG strings, for tests of their layout. */
import { textWidth } from '../../src/analysis/svg.js';

export interface SvgText {
  x: number;
  y: number;
  cls: string;
  anchor: string;
  text: string;
  rotated: boolean;
}

/** The <text> elements of an SVG string, with their position, class and anchor. */
export function svgTexts(svg: string): SvgText[] {
  return [...svg.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)].map(([, attrs, text]) => {
    const attr = (k: string) => new RegExp(`\\b${k}="([^"]*)"`).exec(attrs!)?.[1];
    return {
      x: Number(attr('x')),
      y: Number(attr('y')),
      cls: attr('class') ?? '',
      anchor: attr('text-anchor') ?? 'start',
      text: text!,
      rotated: /rotate\(/.test(attrs!),
    };
  });
}

/** Horizontal extent of a label, from its anchor and the chart's text-width estimate. */
export function extent(t: SvgText, px: number): [number, number] {
  const w = textWidth(t.text, px);
  return t.anchor === 'end' ? [t.x - w, t.x] : t.anchor === 'middle' ? [t.x - w / 2, t.x + w / 2] : [t.x, t.x + w];
}
