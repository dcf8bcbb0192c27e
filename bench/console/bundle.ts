import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The console's budget for the JavaScript a page needs before it shows: gzipped bytes. */
export const initialJsBudget = 250 * 1000;

interface ManifestChunk {
  file: string;
  name?: string;
  src?: string;
  isDynamicEntry?: boolean;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

/**
 * The route components each measured page loads at once (lazy route chunks the router fetches
 * for it), by source path; everything they import statically comes along. Charts and other
 * dynamic imports inside a page load after it shows and are not counted.
 */
export const pages = {
  'sign-in': ['src/app/SignIn.tsx'],
  home: ['src/app/Shell.tsx', 'src/pages/home/HomePage.tsx'],
} as const;

export type PageName = keyof typeof pages;

export interface InitialJs {
  page: PageName;
  /** Gzipped bytes of every JavaScript file the page needs before it shows. */
  gzipBytes: number;
  files: { file: string; gzipBytes: number }[];
}

/**
 * The manifest key of the chunk a lazily loaded source file starts: its path, or, when Rollup
 * gave the chunk no facade (it does so for some dynamic entries), the dynamic entry named after
 * the file.
 */
function chunkOf(manifest: Record<string, ManifestChunk>, src: string): string {
  if (manifest[src]) return src;
  const name = basename(src).replace(/\.[jt]sx?$/, '');
  const found = Object.entries(manifest).filter(
    ([, chunk]) => chunk.src === src || (chunk.isDynamicEntry && chunk.name === name),
  );
  if (found.length !== 1) throw new Error(`the manifest has no single chunk for ${src}`);
  return (found[0] as [string, ManifestChunk])[0];
}

/**
 * Sums, from Vite's manifest in `distDir` (dist/web), the gzipped JavaScript a page downloads
 * first: the entry (index.html's script), the page's route chunks, and all their static imports.
 */
export function initialJs(distDir: string, page: PageName): InitialJs {
  const manifest = JSON.parse(readFileSync(join(distDir, '.vite', 'manifest.json'), 'utf8')) as Record<
    string,
    ManifestChunk
  >;
  const entry = Object.keys(manifest).find((key) => manifest[key]?.isEntry);
  if (!entry) throw new Error('the manifest names no entry');
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    const chunk = manifest[key];
    if (!chunk) throw new Error(`the manifest has no chunk ${key}`);
    seen.add(key);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  visit(entry);
  for (const src of pages[page]) visit(chunkOf(manifest, src));
  const files = [...seen]
    .map((key) => (manifest[key] as ManifestChunk).file)
    .filter((file) => file.endsWith('.js'))
    .map((file) => ({ file, gzipBytes: gzipSync(readFileSync(join(distDir, file)), { level: 9 }).length }))
    .sort((a, b) => b.gzipBytes - a.gzipBytes);
  return { page, gzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0), files };
}
