// Fetch wrapper for the portal's API: JSON in and out, bearer token from
// sessionStorage, one error model ({error: {code, message, fields}}).

const TOKEN_KEY = 'pf.token';

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage unavailable: nothing to clear */
  }
}

export class ApiError extends Error {
  constructor(status, code, message, fields = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields || {};
  }
}

const GENERIC_MESSAGE =
  'Une erreur est survenue. Veuillez réessayer dans quelques instants.';
const NETWORK_MESSAGE =
  'Le service est injoignable. Vérifiez votre connexion internet et réessayez.';

/**
 * Call the API. Resolves to the parsed JSON body (or null for an empty body),
 * rejects with an ApiError carrying a French message a person can act on.
 *
 * A 401 on a request that carried a token means the session is over: the
 * token is dropped and a "pf:session-expired" event lets the router send the
 * person to the login page. Form errors (with fields, or invalid_credentials)
 * are left to the page.
 */
export async function api(path, { method = 'GET', body, auth = true, idempotencyKey } = {}) {
  const headers = { Accept: 'application/json' };
  const token = auth ? getToken() : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  // Every POST carries an idempotency key: a repeat with the same key answers the first result.
  if (method === 'POST') headers['Idempotency-Key'] = idempotencyKey || newIdempotencyKey();

  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network_error', NETWORK_MESSAGE);
  }

  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }

  if (response.ok) return data;

  const err = data && typeof data === 'object' ? data.error || {} : {};
  const error = new ApiError(
    response.status,
    err.code || `http_${response.status}`,
    err.message || GENERIC_MESSAGE,
    err.fields || {},
  );

  const isFormError =
    Object.keys(error.fields).length > 0 || error.code === 'invalid_credentials';
  if (response.status === 401 && token && !isFormError) {
    clearToken();
    window.dispatchEvent(new CustomEvent('pf:session-expired'));
  }
  throw error;
}

/** A fresh key for one creating action; keep it to send the same action again (a retry). */
export function newIdempotencyKey() {
  if (globalThis.crypto && typeof globalThis.crypto.randomUUID === 'function') return globalThis.crypto.randomUUID();
  return `k-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

export const post = (path, body, options = {}) =>
  api(path, { ...options, method: 'POST', body });

export const put = (path, body, options = {}) =>
  api(path, { ...options, method: 'PUT', body });

export const del = (path, options = {}) => api(path, { ...options, method: 'DELETE' });

/**
 * GET a file (e.g. a PDF) with the bearer token. Resolves to {blob, filename}
 * (filename from Content-Disposition when the server gives one), rejects with
 * an ApiError like api().
 */
export async function fetchFile(path) {
  const headers = {};
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { headers, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network_error', NETWORK_MESSAGE);
  }
  if (!response.ok) {
    let err = {};
    try {
      err = (await response.json()).error || {};
    } catch {
      err = {};
    }
    if (response.status === 401 && token) {
      clearToken();
      window.dispatchEvent(new CustomEvent('pf:session-expired'));
    }
    throw new ApiError(response.status, err.code || `http_${response.status}`,
      err.message || GENERIC_MESSAGE, err.fields || {});
  }
  const disposition = response.headers.get('Content-Disposition') || '';
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  let filename = null;
  if (utf8) {
    try {
      filename = decodeURIComponent(utf8[1]);
    } catch {
      filename = null;
    }
  }
  return { blob: await response.blob(), filename: filename || (plain && plain[1]) || null };
}

/**
 * Send a file straight to the storage (S3 presigned POST): every field the API
 * gave first, the file last as "file". No token: the URL is another origin.
 */
export async function uploadToStorage(upload, file) {
  const form = new FormData();
  for (const [key, value] of Object.entries(upload.fields || {})) form.append(key, value);
  form.append('file', file);
  let response;
  try {
    response = await fetch(upload.url, { method: 'POST', body: form, credentials: 'omit' });
  } catch {
    throw new ApiError(0, 'network_error', NETWORK_MESSAGE);
  }
  if (!response.ok) {
    throw new ApiError(response.status, 'upload_failed',
      "L'envoi du fichier a échoué. Vérifiez votre connexion internet et recommencez.");
  }
}

/**
 * Send the token of an emailed one-time link (POST {token}). A success is
 * remembered in this tab, so coming back to the page (back button, reload)
 * shows it again instead of "link already used". Resolves to {ok, error}.
 */
const linkOutcomes = new Map();
export function useLinkToken(path, token) {
  const key = `pf.link.${path}.${token}`;
  if (!linkOutcomes.has(key)) {
    let done = false;
    try {
      done = sessionStorage.getItem(key) === 'ok';
    } catch {
      done = false;
    }
    linkOutcomes.set(key, done ? Promise.resolve({ ok: true }) : post(path, { token }, { auth: false })
      .then(() => {
        try {
          sessionStorage.setItem(key, 'ok');
        } catch { /* not remembered: fine */ }
        return { ok: true };
      }, (error) => ({ ok: false, error })));
  }
  return linkOutcomes.get(key);
}

/**
 * GET every page of a staff list. The API answers a list a page at a time ({items, next}); this follows
 * `next` (sent back as `?after=`, with `?rank=` from `next_rank` for the ranked waiting list) until the
 * list ends, and resolves to the first page's body holding all the items. A list without `next` is one page.
 */
export async function apiAll(path, options = {}) {
  const first = await api(path, options);
  if (!first || !Array.isArray(first.items)) return first;
  const items = [...first.items];
  const seen = new Set();
  let page = first;
  while (page && page.next && !seen.has(page.next)) {
    seen.add(page.next);
    const url = new URL(path, window.location.origin);
    url.searchParams.set('after', page.next);
    if (page.next_rank !== undefined && page.next_rank !== null) url.searchParams.set('rank', String(page.next_rank));
    // eslint-disable-next-line no-await-in-loop
    page = await api(`${url.pathname}${url.search}`, options);
    items.push(...((page && page.items) || []));
  }
  return { ...first, items, next: null };
}
