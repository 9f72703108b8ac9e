import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The OHIF release package.json pins; its build is served as it is, but for the mount path. */
export const OHIF_VERSION = '3.13.2';
/** Where the node serves the viewer. OHIF's build assumes `/`: see rebaseIndexHtml() and rebasedFile(). */
export const VIEWER_MOUNT = '/viewer/';

/**
 * The OHIF viewer's prebuilt files (`@ohif/app`'s `dist/`), installed by npm like any dependency
 * (package.json `overrides` replace its build-time dependencies with an empty package: the built
 * viewer needs none of them). Nothing is fetched at run time.
 *
 * The build was made for the site root: its webpack runtime loads chunks from `"/"`, its
 * index.html names `/app.bundle…js`, `/assets/…`. Served under /viewer/, those few strings are
 * rewritten in memory; index.html is checked when the node starts: a release whose page is not
 * the one known here is refused (503 VIEWER_NOT_INSTALLED with the reason), not half-served.
 */
export class OhifDist {
  /** Rebased copies of the files that name the root, made on first request (about 18 MB). */
  private readonly rebased = new Map<string, Buffer>();
  /** Scripts and style sheets looked at that name no root path: sent as they are. */
  private readonly asIs = new Set<string>();

  private constructor(
    readonly dir: string,
    readonly version: string,
  ) {}

  /** The installed viewer, or why there is none (the node then answers /viewer with a problem). */
  static locate(): OhifDist | { missing: string } {
    let pkgFile: string;
    try {
      pkgFile = createRequire(import.meta.url).resolve('@ohif/app/package.json');
    } catch {
      return { missing: '@ohif/app is not installed (npm ci installs it from package-lock.json)' };
    }
    const { version } = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { version: string };
    const dir = path.join(path.dirname(pkgFile), 'dist');
    if (version !== OHIF_VERSION) return { missing: `@ohif/app ${version} is installed; this node serves ${OHIF_VERSION}` };
    if (!fs.existsSync(path.join(dir, 'index.html'))) return { missing: `@ohif/app ${version} has no dist/index.html` };
    const dist = new OhifDist(dir, version);
    try {
      dist.indexHtml();
    } catch (err) {
      return { missing: (err as Error).message };
    }
    return dist;
  }

  /** The file under dist/ a request path names, or undefined (no dot files, nothing outside). */
  fileOf(requestPath: string): string | undefined {
    let relative: string;
    try {
      relative = decodeURIComponent(requestPath).replace(/^\/+/, '');
    } catch {
      return undefined;
    }
    if (relative === '' || relative.split('/').some((part) => part === '..' || part.startsWith('.'))) return undefined;
    const file = path.join(this.dir, relative);
    if (!file.startsWith(this.dir + path.sep)) return undefined;
    try {
      return fs.statSync(file).isFile() ? file : undefined;
    } catch {
      return undefined;
    }
  }

  /** index.html for the mount: rebased, the inline scripts and the service worker left out. */
  indexHtml(): Buffer {
    return this.cached('index.html', () => rebaseIndexHtml(fs.readFileSync(path.join(this.dir, 'index.html'), 'utf8')));
  }

  /**
   * A file rebased when it names the root: a script bundle whose webpack runtime loads chunks
   * from "/", a style sheet with url(/...) fonts. Undefined for any other file (sent as it is).
   */
  rebasedFile(file: string): { bytes: Buffer; type: string } | undefined {
    const kind = file.endsWith('.js') ? 'js' : file.endsWith('.css') ? 'css' : undefined;
    if (!kind || this.asIs.has(file)) return undefined;
    const type = kind === 'js' ? 'text/javascript' : 'text/css';
    const known = this.rebased.get(file);
    if (known) return { bytes: known, type };
    const text = fs.readFileSync(file, 'latin1');
    const rebase = kind === 'js' ? rebaseScript : rebaseStyles;
    const changed = rebase(text);
    if (changed === text) {
      this.asIs.add(file);
      return undefined;
    }
    return { bytes: this.cached(file, () => changed, 'latin1'), type };
  }

  private cached(key: string, make: () => string, encoding: BufferEncoding = 'utf8'): Buffer {
    let bytes = this.rebased.get(key);
    if (!bytes) this.rebased.set(key, (bytes = Buffer.from(make(), encoding)));
    return bytes;
  }
}

let installed: boolean | undefined;

/** Whether the viewer can be served here (looked up once). */
export function viewerInstalled(): boolean {
  return (installed ??= OhifDist.locate() instanceof OhifDist);
}

/** The webpack runtime's public path in the OHIF build (once per bundle that loads chunks). */
const WEBPACK_ROOT = '__webpack_require__.p = "/"';

function rebaseScript(text: string): string {
  return text.replace(WEBPACK_ROOT, `__webpack_require__.p = "${VIEWER_MOUNT}"`);
}

/** Fonts named from the root (`url(/a34f….woff2)`). */
function rebaseStyles(text: string): string {
  return text.replace(/url\(\/(?!\/)/g, `url(${VIEWER_MOUNT}`);
}

/**
 * The build's index.html, mounted under /viewer/: root paths become /viewer/ paths, the two
 * inline scripts (PUBLIC_URL, the import helper) come from /viewer/vigil-boot.js instead (the
 * page's Content-Security-Policy allows no inline script), and the service worker is not
 * registered (a cached viewer would outlive the node's version and its sign-out).
 */
export function rebaseIndexHtml(html: string): string {
  const inline = /<script>[^<]*window\.PUBLIC_URL="\/"<\/script>/g;
  const worker = /<script[^>]*src="\/init-service-worker\.js"[^>]*><\/script>/;
  const manifest = /<link rel="manifest"[^>]*>/;
  const inlineCount = html.match(inline)?.length ?? 0;
  if (inlineCount !== 2 || !worker.test(html)) {
    throw new Error(`the OHIF index.html is not the one of ${OHIF_VERSION} this node knows how to mount (${inlineCount} PUBLIC_URL scripts)`);
  }
  const BOOT = '<!--vigil-boot-->';
  let first = true;
  return html
    .replace(inline, () => {
      const tag = first ? BOOT : '';
      first = false;
      return tag;
    })
    .replace(worker, '')
    .replace(manifest, '')
    .replace(/ (href|src)="\/(?!\/)/g, ` $1="${VIEWER_MOUNT}`)
    .replace(BOOT, `<script src="${VIEWER_MOUNT}vigil-boot.js"></script>`);
}

/** What the removed inline scripts did: where the viewer lives, and the dynamic-import helper. */
export const BOOT_SCRIPT = `window.PUBLIC_URL = ${JSON.stringify(VIEWER_MOUNT)};
function browserImportFunction(n) { return import(n); }
`;
