// The worklist page: sign in, the live list, the selected study, the keyboard.

import { api, ApiError, currentSession, endSession, forgetToken, hasSession, saveToken, savedToken, signInMode } from './api.js';
import { findingInFocus, forgetKeyImage, renderDetail } from './detail.js';
import { percent } from './format.js';
import { connectLive } from './live.js';
import { renderRows, tickWaiting } from './list.js';

const $ = (id) => document.getElementById(id);

/**
 * The workspace as the HTML has it, before any patient is shown. Sign-out puts a fresh copy
 * back instead of clearing field by field, so nothing rendered about a patient (rows, detail,
 * key image, verdict comments, a half-typed comment) can outlive the session on a shared
 * reading-room PC, whatever is added to the page later. Its events are delegated (wire()).
 */
const PRISTINE_WORKSPACE = $('workspace').cloneNode(true);

const VIEWS = {
  open: { status: 'unread,in-progress' },
  mine: { status: 'in-progress', mine: 'true' },
  read: { status: 'read' },
};

const state = {
  /** How this node signs people in: 'token' (typed in) or 'oidc' (the hospital's provider). */
  mode: 'token',
  viewer: null,
  entries: [],
  selectedId: null,
  detail: null,
  view: 'open',
  clockOffsetMs: 0,
  stopLive: null,
  /** Studies that just became STAT: flashed and announced after the next fetch. */
  newlyStat: new Set(),
  /** Counts sign-ins and sign-outs: an answer that arrives for an earlier session is dropped. */
  session: 0,
  /** "Mark read" refused over open critical alerts: { studyId, alertIds } while the page asks. */
  confirm: null,
};

/** A token in this tab, or a session with the hospital's provider (its cookie is HttpOnly). */
const hasCredentials = () => Boolean(savedToken()) || hasSession();
const signedIn = () => hasCredentials() && state.stopLive !== null;

// ---- sign in / out ------------------------------------------------------------------------

/** With a token typed in; or, `token` null, with the session cookie the provider's sign-in left. */
async function signIn(token) {
  state.session += 1;
  if (token) saveToken(token);
  try {
    await refresh();
  } catch (err) {
    forgetToken();
    throw err;
  }
  $('sign-in').hidden = true;
  $('workspace').hidden = false;
  $('sign-out').hidden = false;
  $('who').textContent = `${state.viewer.name} (${state.viewer.role})`;
  state.stopLive = connectLive({
    onChange: (notice) => {
      if (notice?.stat && notice.studyId) state.newlyStat.add(notice.studyId);
      scheduleRefresh();
    },
    onState: showLiveState,
    onUnauthorized: () => signOut(hasSession() ? 'Your session has ended: sign in again.' : 'Your token no longer works: sign in again.'),
  });
  focusSelectedRow();
}

/**
 * Everything about patients goes: data, the rendered workspace, the key image's blob, the token.
 * A provider session is ended here, then at the provider where it offers that (else the next
 * "Sign in" would pass silently as the same person on a shared reading-room PC).
 */
function signOut(message = '') {
  state.session += 1;
  state.stopLive?.();
  state.stopLive = null;
  forgetToken();
  if (hasSession()) {
    endSession()
      .then((providerLogout) => {
        if (providerLogout) location.assign(providerLogout);
      })
      .catch(() => {});
  }
  Object.assign(state, { viewer: null, entries: [], selectedId: null, detail: null, view: 'open', clockOffsetMs: 0, newlyStat: new Set(), confirm: null });
  forgetKeyImage();
  $('workspace').replaceWith(PRISTINE_WORKSPACE.cloneNode(true));
  $('announcer').textContent = '';
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  $('who').textContent = '';
  $('token').value = '';
  if (state.mode === 'oidc') {
    $('oidc-error').textContent = message;
    $('oidc-sign-in').focus();
  } else {
    $('sign-in-error').textContent = message;
    $('token').focus();
  }
}

function showLiveState(s) {
  const el = $('live-state');
  el.dataset.state = s;
  el.textContent = s === 'live' ? 'Live' : s === 'connecting' ? 'Reconnecting…' : 'Not connected';
}

// ---- the list -----------------------------------------------------------------------------

let refreshing = null;
let again = false;

/** One fetch at a time; changes arriving meanwhile make one more. */
function scheduleRefresh() {
  if (!signedIn()) return;
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = refresh()
    .catch(onActionError)
    .finally(() => {
      refreshing = null;
      if (again) {
        again = false;
        scheduleRefresh();
      }
    });
}

async function refresh() {
  const session = state.session;
  const page = await api.worklist({ ...VIEWS[state.view], limit: '200' });
  if (session !== state.session) return;
  state.viewer = page.viewer;
  state.entries = page.entries;
  state.clockOffsetMs = Date.parse(page.now) - Date.now();
  if (!state.entries.some((e) => e.studyId === state.selectedId)) state.selectedId = state.entries[0]?.studyId ?? null;
  const hadFocus = Boolean(document.activeElement?.closest('#rows'));
  const flash = new Set([...state.newlyStat].filter((id) => state.entries.some((e) => e.studyId === id)));
  renderRows($('rows'), state.entries, { selectedId: state.selectedId, clockOffsetMs: state.clockOffsetMs, flash });
  $('empty').hidden = state.entries.length > 0;
  $('counts').textContent = countsText(page);
  $('list').setAttribute('aria-rowcount', String(state.entries.length + 1));
  if (hadFocus) focusSelectedRow();
  announceStat(flash);
  state.newlyStat.clear();
  await showDetail();
}

function countsText(page) {
  const stat = state.entries.filter((e) => e.priority.effective === 'stat').length;
  const shown = page.total > page.entries.length ? `${page.entries.length} of ${page.total}` : `${page.total}`;
  return `${shown} studies · ${stat} STAT`;
}

function announceStat(ids) {
  const texts = [...ids]
    .map((id) => state.entries.find((e) => e.studyId === id))
    .filter(Boolean)
    .map((e) => `STAT study now at the top: ${e.why}`);
  if (texts.length > 0) $('announcer').textContent = texts.join('. ');
}

// ---- selection and detail -----------------------------------------------------------------

async function select(studyId, { focus = true } = {}) {
  if (!studyId) return;
  state.selectedId = studyId;
  if (state.confirm?.studyId !== studyId) hideConfirm();
  for (const row of $('rows').rows) {
    const on = row.dataset.studyId === studyId;
    row.setAttribute('aria-selected', on ? 'true' : 'false');
    row.tabIndex = on ? 0 : -1;
  }
  if (focus) focusSelectedRow();
  await showDetail();
}

function focusSelectedRow() {
  const row = [...$('rows').rows].find((r) => r.dataset.studyId === state.selectedId);
  row?.focus({ preventScroll: false });
  row?.scrollIntoView({ block: 'nearest' });
}

async function showDetail() {
  const id = state.selectedId;
  const fromList = state.entries.find((e) => e.studyId === id) ?? null;
  renderDetail(state.detail?.studyId === id ? { ...fromList, findings: state.detail.findings, reason: state.detail.reason } : fromList, state.viewer);
  if (!id) return;
  const session = state.session;
  try {
    const detail = await api.entry(id);
    if (session !== state.session || state.selectedId !== id) return;
    state.detail = detail;
    renderDetail(detail, state.viewer);
    // Asked about an alert someone has acknowledged since: the question is moot.
    if (state.confirm?.studyId === id && detail.alert?.state !== 'open') hideConfirm();
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) onActionError(err);
  }
}

function move(delta) {
  const ids = state.entries.map((e) => e.studyId);
  if (ids.length === 0) return;
  const at = ids.indexOf(state.selectedId);
  const next = delta === Infinity ? ids.length - 1 : delta === -Infinity ? 0 : Math.min(ids.length - 1, Math.max(0, (at < 0 ? 0 : at) + delta));
  select(ids[next]);
}

// ---- actions ------------------------------------------------------------------------------

function onActionError(err) {
  // A request of a session already signed out: nothing to show, nobody to sign out.
  if (!hasCredentials()) return;
  if (err instanceof ApiError && err.status === 401)
    return signOut(hasSession() ? 'Your session has ended: sign in again.' : 'Your token no longer works: sign in again.');
  $('action-error').textContent = err.message;
}

async function act(fn) {
  const session = state.session;
  $('action-error').textContent = '';
  try {
    await fn();
  } catch (err) {
    if (session === state.session) onActionError(err);
  }
  scheduleRefresh();
}

// ---- "Mark read" over an open critical alert ------------------------------------------------

/**
 * The server refuses to mark a study read while a critical alert of it is open
 * (409 ALERT_UNACKNOWLEDGED, naming the alerts). The page asks, in words, whether to
 * acknowledge them with the reading; nothing is acknowledged without that second press.
 */
function askToAcknowledge(studyId, alerts) {
  state.confirm = { studyId, alertIds: alerts.map((a) => a.id) };
  const what = alerts.map((a) => `${a.concept} ${percent(a.probability)} (${a.model.id} ${a.model.version})`).join('; ');
  $('read-confirm-text').textContent =
    `${alerts.length > 1 ? 'These critical alerts are' : 'The critical alert on this study is'} not acknowledged: ${what}. Acknowledge ${alerts.length > 1 ? 'them' : 'it'} and mark the study read?`;
  $('read-confirm').hidden = false;
  $('ack-and-read').focus();
}

function hideConfirm() {
  state.confirm = null;
  const box = $('read-confirm');
  if (box) box.hidden = true;
}

function markRead() {
  const studyId = state.selectedId;
  act(async () => {
    try {
      await api.markRead(studyId);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'ALERT_UNACKNOWLEDGED' && Array.isArray(err.problem?.alerts))
        return askToAcknowledge(studyId, err.problem.alerts);
      throw err;
    }
  });
}

function acknowledgeAndRead() {
  const asked = state.confirm;
  if (!asked) return;
  hideConfirm();
  act(() => api.markRead(asked.studyId, asked.alertIds));
  focusSelectedRow();
}

function cancelConfirm() {
  hideConfirm();
  focusSelectedRow();
}

const entry = () => (state.detail?.studyId === state.selectedId ? state.detail : state.entries.find((e) => e.studyId === state.selectedId));

const actions = {
  claim: () => act(() => api.claim(state.selectedId)),
  release: () => act(() => api.release(state.selectedId)),
  markRead,
  acknowledge: () => {
    const alert = entry()?.alert;
    if (alert?.state === 'open') act(() => api.acknowledge(alert.id));
  },
  verdict: (verdict) => {
    const f = findingInFocus(entry());
    if (!f) return;
    const comment = $('feedback-comment').value.trim();
    act(async () => {
      await api.feedback(f.findingId, verdict, comment || null);
      $('feedback-comment').value = '';
    });
  },
};

// ---- wiring -------------------------------------------------------------------------------

function isTyping(target) {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target?.isContentEditable;
}

function onKey(e) {
  if (!state.viewer || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === 'Escape' && state.confirm) {
    e.preventDefault();
    return cancelConfirm();
  }
  if (isTyping(e.target)) {
    if (e.key === 'Escape') focusSelectedRow();
    return;
  }
  const keys = {
    ArrowDown: () => move(1),
    j: () => move(1),
    ArrowUp: () => move(-1),
    k: () => move(-1),
    Home: () => move(-Infinity),
    End: () => move(Infinity),
    c: actions.claim,
    u: actions.release,
    r: actions.markRead,
    a: actions.acknowledge,
    y: () => actions.verdict('agree'),
    n: () => actions.verdict('disagree'),
    f: () => $('feedback-comment').focus(),
  };
  const run = keys[e.key];
  if (!run) return;
  e.preventDefault();
  run();
}

function wire() {
  $('sign-in-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('sign-in-error').textContent = '';
    const token = $('token').value.trim();
    try {
      await signIn(token);
      $('token').value = '';
    } catch (err) {
      $('sign-in-error').textContent =
        err instanceof ApiError && err.status === 401
          ? 'This token is not valid.'
          : err instanceof ApiError && err.status === 403
            ? 'This token may not read the worklist.'
            : err.message;
    }
  });
  // Delegated: the workspace is replaced at sign-out (PRISTINE_WORKSPACE), its listeners would go with it.
  const buttons = {
    'sign-out': () => signOut(),
    claim: actions.claim,
    release: actions.release,
    'mark-read': actions.markRead,
    'ack-and-read': acknowledgeAndRead,
    'read-cancel': cancelConfirm,
    ack: actions.acknowledge,
    agree: () => actions.verdict('agree'),
    disagree: () => actions.verdict('disagree'),
  };
  document.addEventListener('click', (e) => {
    const target = e.target instanceof Element ? e.target : null;
    const row = target?.closest('#rows tr');
    if (row) return void select(row.dataset.studyId);
    const button = target?.closest('button');
    if (button && !button.disabled) buttons[button.id]?.();
  });
  document.addEventListener('change', (e) => {
    if (e.target instanceof HTMLInputElement && e.target.name === 'view') {
      state.view = e.target.value;
      scheduleRefresh();
    }
  });
  document.addEventListener('keydown', onKey);
  setInterval(() => tickWaiting($('rows'), state.entries, state.clockOffsetMs), 5000);
  start();
}

/** Token sign-in, or (auth.oidc configured) the hospital's provider, and a session it may have left. */
async function start() {
  if ((await signInMode().catch(() => 'token')) === 'oidc') {
    $('sign-in-form').hidden = true;
    $('token-note').hidden = true;
    $('oidc').hidden = false;
    state.mode = 'oidc';
    const session = await currentSession().catch(() => null);
    if (session) signIn(null).catch(() => signOut('Sign in again.'));
    else $('oidc-sign-in').focus();
    return;
  }
  const token = savedToken();
  if (token) signIn(token).catch(() => signOut('Sign in again.'));
  else $('token').focus();
}

wire();
