// The signed-in person: token (in api.js) plus the account read from /me,
// kept in memory for the life of the page.
//
// Tabs of one browser share the session (docs/decisions.md, D80): the token stays in each tab's
// sessionStorage (never on disk); a new tab asks the open ones for it over a BroadcastChannel
// (same origin only), and a logout in any tab ends the session in all of them.

import { api, post, getToken, setToken, clearToken } from './api.js';

let account = null;
let planning = null; // Promise<boolean>: has the family a planning open (validated)?

const TAB = Math.random().toString(36).slice(2);
const HINT_KEY = 'pf.session.tabs'; // localStorage, no secret: "another tab may hold a session"
const ASK_TIMEOUT_MS = 1500;
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('pf.session') : null;
let waiting = null;

function hint(on) {
  try {
    if (on) localStorage.setItem(HINT_KEY, '1');
    else localStorage.removeItem(HINT_KEY);
  } catch { /* storage unavailable: each tab logs in */ }
}

const hinted = () => {
  try {
    return localStorage.getItem(HINT_KEY) === '1';
  } catch {
    return false;
  }
};

if (channel) {
  channel.onmessage = ({ data }) => {
    if (!data || typeof data !== 'object') return;
    if (data.type === 'ask' && data.from !== TAB && getToken()) {
      channel.postMessage({ type: 'token', to: data.from, token: getToken() });
    } else if (data.type === 'token' && data.to === TAB && waiting) {
      waiting(data.token);
    } else if (data.type === 'logout') {
      const had = Boolean(getToken());
      endSession();
      if (had) window.dispatchEvent(new CustomEvent('pf:logged-out'));
    }
  };
}

/** A tab opened without a session (a new tab, an e-mail's link) takes the session of an open tab of the
 * same browser, if any answers in time. */
async function borrowSession() {
  if (!channel || getToken() || !hinted()) return;
  const token = await new Promise((resolve) => {
    waiting = resolve;
    channel.postMessage({ type: 'ask', from: TAB });
    setTimeout(() => resolve(null), ASK_TIMEOUT_MS);
  });
  waiting = null;
  if (token && !getToken()) setToken(token);
  else if (!token) hint(false); // no tab holds one any more (the browser was closed without a logout)
}

export const ROLE_LABELS = {
  family: 'Famille',
  admin: 'Administrateur',
  manager: 'Responsable de structure',
  coordinator: 'Coordinateur séjours',
  committee: "Commission d'attribution",
};

export const isStaff = (acc) => Boolean(acc) && acc.role !== 'family';

/** Home of a signed-in person: families and staff have their own space. */
export const homeFor = (acc) => (isStaff(acc) ? '/gestion' : '/mon-compte');

/** A local path that is safe to go back to after login, or null. */
export function safeReturn(value) {
  return typeof value === 'string' && /^\/(?!\/)[^\\]*$/.test(value) ? value : null;
}

/** The signed-in account, or null (no token, or a token the API refused). */
export async function currentAccount({ refresh = false } = {}) {
  await borrowSession();
  if (!getToken()) {
    account = null;
    return null;
  }
  if (account && !refresh) return account;
  try {
    account = await api('/api/accounts/me');
  } catch (error) {
    if (error.status === 401) {
      clearToken();
      account = null;
      return null;
    }
    throw error;
  }
  return account;
}

/** Cached account without a request (for the header). */
export const knownAccount = () => (getToken() ? account : null);

export function startSession(loginResponse) {
  setToken(loginResponse.access_token);
  account = loginResponse.account || null;
  planning = null;
  hint(true);
}

export function endSession() {
  clearToken();
  account = null;
  planning = null;
}

/** Ends the session on the server, in this tab and in every other tab of the browser. */
export async function logout() {
  try {
    if (getToken()) await post('/api/accounts/logout');
  } catch {
    /* the token is dropped anyway */
  }
  endSession();
  hint(false);
  if (channel) channel.postMessage({ type: 'logout' });
}

/** Whether the family has a planning open (a validated pre-enrolment): the header shows « Mon planning »
 * only then, as the guide says (read once per page load and session). */
export function planningOpen() {
  if (!planning) {
    planning = api('/api/planning/plannings')
      .then((answer) => ((answer && answer.items) || []).some((item) => item.status === 'open'), () => false);
  }
  return planning;
}

// One-shot message shown on the next page (e.g. after a logout).
const FLASH_KEY = 'pf.flash';

export function setFlash(message, kind = 'success') {
  sessionStorage.setItem(FLASH_KEY, JSON.stringify({ message, kind }));
}

export function takeFlash() {
  const raw = sessionStorage.getItem(FLASH_KEY);
  if (!raw) return null;
  sessionStorage.removeItem(FLASH_KEY);
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}
