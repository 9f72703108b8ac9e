// Calls to this node's API with the signed-in token. The token lives in sessionStorage: this tab
// only, gone when the tab closes, never in a URL or a cookie.
// Where the node signs people in through the hospital's OpenID provider there is no token: the
// browser sends the HttpOnly session cookie, and changes carry the session's CSRF token, held
// in memory only (a reload asks /auth/session for it again).

const TOKEN_KEY = 'vigil.token';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code ?? null;
    /** The whole problem document: some carry what the page needs to ask next (ALERT_UNACKNOWLEDGED's alerts). */
    this.problem = problem;
  }
}

export function savedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

let csrfToken = null;

/** Signed in through the provider: who, and the CSRF token; null when there is no session. */
export async function currentSession() {
  const res = await fetch('/auth/session', { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (res.status === 401) return null;
  if (!res.ok) throw new ApiError(res.status, null);
  const session = await res.json();
  csrfToken = session.csrfToken;
  return session;
}

/** Ends the provider session here; returns the provider's own sign-out address, if it has one. */
export async function endSession() {
  const token = csrfToken;
  csrfToken = null;
  const res = await fetch('/auth/logout', { method: 'POST', headers: { Accept: 'application/json', 'X-CSRF-Token': token ?? '' }, cache: 'no-store' });
  if (!res.ok) return null;
  return (await res.json()).providerLogout;
}

export function hasSession() {
  return csrfToken !== null;
}

/** How this node signs people in: 'oidc' (the hospital's provider) or 'token'. */
export async function signInMode() {
  const res = await fetch('/auth/config', { headers: { Accept: 'application/json' }, cache: 'no-store' });
  return res.ok ? (await res.json()).signIn : 'token';
}

async function call(method, path, body) {
  const token = savedToken();
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (csrfToken && method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  if (!res.ok) {
    let problem = null;
    try {
      problem = await res.json();
    } catch {
      // not a problem document: the status says enough
    }
    throw new ApiError(res.status, problem);
  }
  return res.status === 204 ? null : res.json();
}

export const api = {
  worklist: (query) => call('GET', `/worklist?${new URLSearchParams(query)}`),
  entry: (studyId) => call('GET', `/worklist/${encodeURIComponent(studyId)}`),
  claim: (studyId) => call('POST', `/worklist/${encodeURIComponent(studyId)}/claim`, {}),
  release: (studyId) => call('POST', `/worklist/${encodeURIComponent(studyId)}/release`, {}),
  /** `acknowledgeAlerts`: the open critical alerts to acknowledge with the reading (the server refuses otherwise). */
  markRead: (studyId, acknowledgeAlerts) => call('POST', `/worklist/${encodeURIComponent(studyId)}/read`, acknowledgeAlerts ? { acknowledgeAlerts } : {}),
  feedback: (findingId, verdict, comment) => call('POST', `/worklist/findings/${encodeURIComponent(findingId)}/feedback`, { verdict, comment }),
  acknowledge: (alertId) => call('POST', `/alerts/${encodeURIComponent(alertId)}/acknowledge`, {}),
  ticket: () => call('POST', '/worklist/events/tickets', {}),
  monitoring: () => call('GET', '/worklist/monitoring'),
  /** Each model pack: its mode (shadow or live) and the operating point in force. */
  models: () => call('GET', '/models'),
  /** The key image (a PNG with its heat map) as a blob: URL, or null when there is none. */
  async keyImage(path) {
    const token = savedToken();
    const res = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {}, cache: 'no-store' });
    if (res.status === 404) return null;
    if (!res.ok) throw new ApiError(res.status, null);
    return URL.createObjectURL(await res.blob());
  },
};
