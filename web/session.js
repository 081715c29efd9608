// The signed-in person: token (in api.js) plus the account read from /me,
// kept in memory for the life of the page.

import { api, post, getToken, setToken, clearToken } from './api.js';

let account = null;

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
}

export function endSession() {
  clearToken();
  account = null;
}

export async function logout() {
  try {
    if (getToken()) await post('/api/accounts/logout');
  } catch {
    /* the token is dropped anyway */
  }
  endSession();
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
