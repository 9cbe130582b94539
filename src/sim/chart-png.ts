/**
 * PNG output for the simulation chart: the SVG from chart.ts rasterized by @resvg/resvg-js, an
 * optional dependency. It is imported only when a PNG is asked for, so everything else runs
 * without it (npm install --omit=optional, or a platform with no prebuilt binary).
 */
import { errorMessage, PodpoolError } from '../errors.js';

/** The package that renders; named in the error a user sees when it is missing. */
export const PNG_RENDERER = '@resvg/resvg-js';

/** Pixels per SVG pixel: 2 keeps 10 px axis labels crisp on high-density screens and in docs. */
export const PNG_SCALE = 2;

/**
 * The part of @resvg/resvg-js used here, written out so the project type-checks and builds with
 * the optional package absent (a variable specifier keeps tsc from resolving it).
 */
export interface ResvgModule {
  Resvg: new (
    svg: string,
    options: {
      fitTo: { mode: 'zoom'; value: number };
      font: { loadSystemFonts: boolean; defaultFontFamily: string; sansSerifFamily: string };
      background: string;
      logLevel: 'off' | 'error' | 'warn';
    },
  ) => { render(): { asPng(): Uint8Array } };
}

/**
 * The family used for `sans-serif` and for text naming no installed family. resvg does not read
 * fontconfig's aliases; left alone it picks the first system font it finds (on Debian, DejaVu Math
 * TeX Gyre, a serif with no bold). chart.ts names Helvetica and Arial first, so macOS and Windows
 * use those.
 */
const SANS_SERIF = 'DejaVu Sans';

/** Loads the renderer, or throws the error that says how to get it. Cheap to call again. */
export async function loadPngRenderer(): Promise<ResvgModule> {
  const specifier: string = PNG_RENDERER;
  let loaded: Partial<ResvgModule> & { default?: Partial<ResvgModule> };
  try {
    loaded = (await import(specifier)) as typeof loaded;
  } catch (error) {
    // Missing package, or present without its platform's native binary (it throws on load).
    throw new PodpoolError(
      'Unavailable',
      `a PNG chart needs the optional dependency ${PNG_RENDERER}, which could not be loaded ` +
        `(${errorMessage(error)}); install it with npm install ${PNG_RENDERER}, or name the chart *.svg`,
      { cause: error },
    );
  }
  // A CommonJS package: Node exposes its exports as named exports and as the default export.
  const resvg = loaded.Resvg ?? loaded.default?.Resvg;
  if (resvg === undefined) throw new PodpoolError('Internal', `${PNG_RENDERER} has no Resvg export`);
  return { Resvg: resvg };
}

/** Renders an SVG document to PNG bytes at PNG_SCALE times its own pixel size. */
export async function svgToPng(svg: string): Promise<Uint8Array> {
  const { Resvg } = await loadPngRenderer();
  try {
    const rendered = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: PNG_SCALE },
      font: { loadSystemFonts: true, defaultFontFamily: SANS_SERIF, sansSerifFamily: SANS_SERIF },
      background: '#ffffff',
      logLevel: 'error',
    }).render();
    return rendered.asPng();
  } catch (error) {
    throw new PodpoolError('Internal', `cannot render the chart as PNG: ${errorMessage(error)}`, { cause: error });
  }
}
