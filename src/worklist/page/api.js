// Calls to this node's API with the signed-in token. The token lives in sessionStorage: this tab
// only, gone when the tab closes, never in a URL or a cookie.

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

async function call(method, path, body) {
  const token = savedToken();
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
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
    const res = await fetch(path, { headers: { Authorization: `Bearer ${savedToken()}` }, cache: 'no-store' });
    if (res.status === 404) return null;
    if (!res.ok) throw new ApiError(res.status, null);
    return URL.createObjectURL(await res.blob());
  },
};
