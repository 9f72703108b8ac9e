import { Router, type Request, type Response } from 'express';
import { VigilError } from '../../core/errors.js';
import type { PageSignIn } from '../page-sign-in.js';
import { sendProblem } from '../problem.js';
import { ohifAppConfig } from './app-config.js';
import { BOOT_SCRIPT, OhifDist, VIEWER_MOUNT } from './ohif-dist.js';

/**
 * The viewer's own files and nothing else: wasm codecs ('wasm-unsafe-eval'), web workers from
 * blob: URLs, inline styles (React sets style attributes), images and data from this node only.
 * connect-src 'self' is what keeps every request of the viewer on this node.
 * 'unsafe-eval': OHIF's SEG loader (@cornerstonejs/adapters) lays each frame on the image with
 * the `ndarray` library, which compiles its accessors with `new Function`; without it no
 * segmentation loads ("EvalError ... 'unsafe-eval' is not an allowed source of script"). Still
 * no script but the viewer's own files, and nothing it could send leaves this node.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' data: blob:",
  "media-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function viewerHeaders(res: Response, cache: 'no-cache' | 'versioned'): void {
  res.set({
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    // The OHIF files change only with the installed version; the page and its config at once.
    'Cache-Control': cache === 'no-cache' ? 'no-cache' : 'public, max-age=86400',
  });
}

/**
 * The OHIF viewer at /viewer/ (src/api/viewer/ohif-dist.ts), before authentication like the
 * worklist page: its files hold no patient data, and the study list and images come from
 * /dicom-web, which needs the person's token or session and audits every call.
 * With OpenID sign-in the viewer's page is for people signed in: without a live session cookie
 * it sends them to the sign-in.
 */
export function viewerRoutes(signIn: PageSignIn | undefined): Router {
  // Strict: /viewer (redirected) is not /viewer/ (the study list).
  const router = Router({ strict: true });
  const located = OhifDist.locate();
  const appConfig = ohifAppConfig(signIn ? 'oidc' : 'token');

  router.get('/viewer', (_req, res) => res.redirect(301, VIEWER_MOUNT));
  router.use(VIEWER_MOUNT, (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (!(located instanceof OhifDist)) return sendProblem(res, new VigilError('VIEWER_NOT_INSTALLED', located.missing));
    const dist = located;
    if (req.path === '/app-config.js' || req.path === '/vigil-boot.js') {
      viewerHeaders(res, 'no-cache');
      return res.type('text/javascript').send(req.path === '/app-config.js' ? appConfig : BOOT_SCRIPT);
    }
    const file = dist.fileOf(req.path);
    if (file) {
      viewerHeaders(res, 'versioned');
      const rebased = dist.rebasedFile(file);
      if (rebased) return res.type(rebased.type).send(rebased.bytes);
      return res.sendFile(file, { dotfiles: 'deny' });
    }
    // A file-like path that is not there is a 404; any other path is a route of the viewer's
    // own (/viewer/viewer?StudyInstanceUIDs=...), answered with its page.
    if (/\.[a-z0-9]{1,8}$/i.test(req.path)) return sendProblem(res, new VigilError('NOT_FOUND', `no viewer file ${req.path}`));
    if (signIn && !signedIn(signIn, req)) return res.redirect(303, '/auth/login');
    viewerHeaders(res, 'no-cache');
    res.type('html').send(dist.indexHtml());
  });
  return router;
}

function signedIn(signIn: PageSignIn, req: Request): boolean {
  const id = signIn.cookies.sessionOf(req);
  return id !== undefined && signIn.sessions.find(id) !== undefined;
}
