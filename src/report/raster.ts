/**
 * PNG and PDF copies of the SVG plots, for papers and slides. Both renderers
 * install from npm with nothing downloaded at install or run time:
 * @resvg/resvg-js (Rust resvg; its prebuilt binary is a platform npm package)
 * rasterises to PNG, and pdfkit + svg-to-pdfkit (pure JavaScript) write a
 * vector PDF. Both are loaded on first use, so verbs that draw nothing do not
 * pay for them.
 *
 * Text needs a font: the system's DejaVu Sans or Liberation Sans when present
 * (Debian: fonts-dejavu-core), else the renderers' defaults (for the PDF the
 * built-in Helvetica, whose encoding lacks superscript digits: 10⁻³ is then
 * written 10^-3).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/Library/Fonts/Arial.ttf',
  'C:\\Windows\\Fonts\\arial.ttf',
];

/** A sans-serif TrueType font on this machine, or null. */
export function systemSansFont(): string | null {
  return FONT_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** Pixel scale of the PNGs: 2x the SVG size, enough for print at column width. */
export const PNG_SCALE = 2;

/** Rasterise an SVG string to PNG bytes. */
export async function svgToPng(svg: string, scale = PNG_SCALE): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  const font = systemSansFont();
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: {
      loadSystemFonts: true,
      ...(font ? { fontFiles: [font] } : {}),
      // vega writes font-family "sans-serif"; map it to the font found above.
      ...(font ? { sansSerifFamily: font.includes('Liberation') ? 'Liberation Sans' : font.includes('DejaVu') ? 'DejaVu Sans' : 'Arial', defaultFontFamily: 'DejaVu Sans' } : {}),
    },
  });
  return resvg.render().asPng();
}

const SUPERSCRIPT_ASCII: Record<string, string> = {
  '\u207b': '-', '\u2070': '0', '\u00b9': '1', '\u00b2': '2', '\u00b3': '3', '\u2074': '4',
  '\u2075': '5', '\u2076': '6', '\u2077': '7', '\u2078': '8', '\u2079': '9',
};

/** 10⁻³ -> 10^-3, for a PDF written with the built-in Helvetica. */
export function asciiExponents(text: string): string {
  return text.replace(/[\u207b\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+/g, (run) => `^${[...run].map((c) => SUPERSCRIPT_ASCII[c]).join('')}`);
}

function svgSize(svg: string): { width: number; height: number } {
  const open = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const width = Number(/\bwidth="([\d.]+)"/.exec(open)?.[1]);
  const height = Number(/\bheight="([\d.]+)"/.exec(open)?.[1]);
  return { width: width > 0 ? width : 480, height: height > 0 ? height : 320 };
}

/** A vector PDF of an SVG string, one page the size of the figure (1 SVG px = 1 pt). */
export async function svgToPdf(svg: string): Promise<Uint8Array> {
  // Both are CommonJS; svg-to-pdfkit ships no types.
  const require = createRequire(import.meta.url);
  const PDFDocument = require('pdfkit') as typeof import('pdfkit');
  const svgToPdfKit = require('svg-to-pdfkit') as (doc: PDFKit.PDFDocument, svg: string, x: number, y: number, options?: Record<string, unknown>) => void;
  const font = systemSansFont();
  const { width, height } = svgSize(svg);
  // Fixed dates so the same figure gives the same bytes.
  const doc = new PDFDocument({ size: [width, height], margin: 0, info: { CreationDate: new Date(0), ModDate: new Date(0), Producer: 'limsim' } });
  if (font) doc.registerFont('sans', font);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  svgToPdfKit(doc, font ? svg : asciiExponents(svg), 0, 0, {
    width,
    height,
    assumePt: true,
    fontCallback: () => (font ? 'sans' : 'Helvetica'),
  });
  doc.end();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}
