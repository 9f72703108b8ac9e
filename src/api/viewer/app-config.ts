import { VIEWER_MOUNT } from './ohif-dist.js';

/** The worklist page's key for a typed-in token (src/worklist/page/api.js): this tab only. */
const TOKEN_KEY = 'vigil.token';

/**
 * OHIF's `app-config.js` for this node: one DICOMweb data source, the node's own /dicom-web on
 * the page's origin, so every request the viewer makes goes to this node and nowhere else.
 *
 * How its requests are signed in, as the worklist page's are:
 * - `oidc`: the browser sends the HttpOnly session cookie with same-origin requests by itself;
 * - `token`: the token the person typed into the worklist page is in this tab's sessionStorage
 *   (the worklist opens the viewer in the same tab); the script adds it as a bearer header to
 *   the viewer's requests to /dicom-web/ on this origin only. No token: back to the worklist
 *   page to sign in.
 * Nothing of the token goes into a URL (OHIF's own `?token=` is not used).
 */
export function ohifAppConfig(signIn: 'oidc' | 'token'): string {
  const config = {
    name: 'vigil',
    routerBasename: VIEWER_MOUNT.replace(/\/$/, ''),
    extensions: [],
    modes: [],
    customizationService: {},
    showStudyList: true,
    maxNumberOfWebWorkers: 2,
    showWarningMessageForCrossOrigin: false,
    showCPUFallbackMessage: true,
    showLoadingIndicator: true,
    strictZSpacingForVolumeViewport: true,
    // The site decides about investigational use; the viewer asks nobody at every start.
    investigationalUseDialog: { option: 'never' },
    maxNumRequests: { interaction: 100, thumbnail: 5, prefetch: 10 },
    showErrorDetails: 'production',
    defaultDataSourceName: 'vigil',
    dataSources: [
      {
        namespace: '@ohif/extension-default.dataSourcesModule.dicomweb',
        sourceName: 'vigil',
        configuration: {
          friendlyName: 'Vigil',
          name: 'vigil',
          // Filled in by the script below from the page's own origin. OHIF wants wadoUriRoot set;
          // the node has no WADO-URI, and with imageRendering 'wadors' it is never asked.
          qidoRoot: '',
          wadoRoot: '',
          wadoUriRoot: '',
          qidoSupportsIncludeField: true,
          imageRendering: 'wadors',
          // Drawn from the frames in the browser: OHIF asks /thumbnail for image/jpeg, the node renders PNG.
          thumbnailRendering: 'wadors',
          enableStudyLazyLoad: true,
          supportsFuzzyMatching: false,
          supportsWildcard: true,
          supportsReject: false,
          dicomUploadEnabled: false,
          staticWado: false,
          singlepart: 'bulkdata,video,pdf',
          // The node leaves large values out of the metadata without a BulkDataURI.
          bulkDataURI: { enabled: false },
          omitQuotationForMultipartRequest: true,
        },
      },
    ],
  };
  return `// Served by Vigil (src/api/viewer/app-config.ts): OHIF against this node's DICOMweb.
window.config = ${JSON.stringify(config, null, 2)};
(function () {
  var root = window.location.origin + '/dicom-web';
  var source = window.config.dataSources[0].configuration;
  source.qidoRoot = source.wadoRoot = source.wadoUriRoot = root;
  if (${JSON.stringify(signIn)} !== 'token') return;
  var token = window.sessionStorage.getItem(${JSON.stringify(TOKEN_KEY)});
  if (!token) {
    window.location.replace('/');
    return;
  }
  var ours = function (url) {
    try {
      var u = new URL(url, window.location.href);
      return u.origin === window.location.origin && u.pathname.indexOf('/dicom-web/') === 0;
    } catch (e) {
      return false;
    }
  };
  var open = XMLHttpRequest.prototype.open;
  var send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this.vigilSignIn = ours(String(url));
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    if (this.vigilSignIn) this.setRequestHeader('Authorization', 'Bearer ' + token);
    return send.apply(this, arguments);
  };
  var fetchOf = window.fetch;
  window.fetch = function (input, init) {
    var url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!ours(url)) return fetchOf.call(this, input, init);
    var headers = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));
    headers.set('Authorization', 'Bearer ' + token);
    return fetchOf.call(this, input, Object.assign({}, init, { headers: headers }));
  };
})();
`;
}
