// Router of the single-page portal: History API, real <a href> links
// intercepted here, access rules per screen, header with the account links.

import {
  currentAccount, knownAccount, homeFor, isStaff, logout, setFlash, takeFlash, planningOpen,
} from './session.js';
import { h, alertBox, pageTitle } from './ui.js';

const page = (name) => () => import(`./pages/${name}.js`);

// access: "family" or "staff" need a session of that kind; "guest" screens
// send a signed-in person to their own space.
const ROUTES = {
  '/': { load: page('home') },
  '/inscription': { load: page('signup'), access: 'guest' },
  '/inscription/compte-cree': { load: page('signup-done') },
  '/confirmer-email': { load: page('confirm-email') },
  '/connexion': { load: page('login'), access: 'guest', variant: 'family' },
  '/mot-de-passe-oublie': { load: page('forgot-password') },
  '/mot-de-passe/nouveau': { load: page('reset-password') },
  '/mon-compte': { load: page('account'), access: 'family' },
  '/mon-compte/profil': { load: page('profile'), access: 'family' },
  '/mon-compte/foyer': { load: page('household'), access: 'family' },
  '/mon-compte/enfants': { load: page('children'), access: 'family' },
  '/mon-compte/scolarite': { load: page('school'), access: 'family' },
  '/mon-compte/preinscriptions/periscolaire': { load: page('requests'), access: 'family', variant: 'periscolaire' },
  '/mon-compte/preinscriptions/creche': { load: page('requests'), access: 'family', variant: 'creche' },
  '/mon-compte/preinscriptions/sejours': { load: page('requests'), access: 'family', variant: 'sejour' },
  '/mon-compte/documents': { load: page('documents'), access: 'family' },
  '/mon-compte/editions': { load: page('editions'), access: 'family' },
  '/mon-compte/planning': { load: page('planning'), access: 'family', variant: 'agenda' },
  '/mon-compte/planning/historique': { load: page('planning'), access: 'family', variant: 'historique' },
  '/mon-compte/planning/ajouter': { load: page('planning-new'), access: 'family' },
  '/confirmer-nouvel-email': { load: page('confirm-new-email') },
  '/gestion/connexion': { load: page('login'), access: 'guest', variant: 'staff' },
  '/gestion': { load: page('staff-home'), access: 'staff' },
  '/gestion/dossiers': { load: page('staff-requests'), access: 'staff' },
  '/gestion/modifications': { load: page('staff-changes'), access: 'staff' },
  '/gestion/reservations': { load: page('staff-reservations'), access: 'staff' },
  '/gestion/reponses': { load: page('staff-answers'), access: 'staff' },
  '/gestion/commission': { load: page('staff-committee'), access: 'staff' },
  '/gestion/liste-attente': { load: page('staff-waitlist'), access: 'staff' },
  '/gestion/places': { load: page('staff-board'), access: 'staff' },
  '/gestion/catalogue': { load: page('staff-catalogue'), access: 'staff' },
  '/gestion/liste-du-jour': { load: page('staff-daylist'), access: 'staff' },
  '/gestion/journal': { load: page('staff-journal'), access: 'staff' },
};
// Paths with an identifier: the captured part is given to the page as ctx.params.id (named groups
// as ctx.params.<name>).
const PATTERNS = [
  [/^\/mon-compte\/enfants\/([^/]+)$/, { load: page('child'), access: 'family' }],
  [/^\/mon-compte\/planning\/demandes\/([^/]+)$/, { load: page('planning-request'), access: 'family' }],
  [/^\/gestion\/familles\/([^/]+)$/, { load: page('staff-family'), access: 'staff' }],
  [/^\/gestion\/reponses\/(?<family>[^/]+)\/(?<request>[^/]+)$/, { load: page('staff-answer'), access: 'staff' }],
];
const NOT_FOUND = { load: page('not-found') };

/** The route of a path and its parameters ({id}), or the not-found page. */
function routeFor(path) {
  if (ROUTES[path]) return { route: ROUTES[path], params: {} };
  for (const [pattern, route] of PATTERNS) {
    const match = pattern.exec(path);
    if (match) {
      const decode = (value) => {
        try {
          return decodeURIComponent(value);
        } catch {
          return value; // keep it as typed
        }
      };
      const params = { id: decode(match[1]) };
      for (const [name, value] of Object.entries(match.groups || {})) params[name] = decode(value);
      return { route, params };
    }
  }
  return { route: NOT_FOUND, params: {} };
}

const main = document.getElementById('contenu');
let sequence = 0;

const normalise = (pathname) => pathname.replace(/\/+$/, '') || '/';

export function navigate(to, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  return show({ focus: true });
}

function loginPathFor(pathname) {
  return pathname.startsWith('/gestion') ? '/gestion/connexion' : '/connexion';
}

/** Where the access rule of `route` sends this person, or null if allowed. */
function redirectFor(route, account, url) {
  const here = url.pathname + url.search;
  if (route.access === 'family' || route.access === 'staff') {
    if (!account) return `${loginPathFor(url.pathname)}?retour=${encodeURIComponent(here)}`;
    if (route.access === 'family' && isStaff(account)) return '/gestion';
    if (route.access === 'staff' && !isStaff(account)) return '/mon-compte';
  }
  if (route.access === 'guest' && account) return homeFor(account);
  return null;
}

async function show({ focus = false } = {}) {
  const mine = ++sequence;
  const url = new URL(window.location.href);
  const path = normalise(url.pathname);
  const { route, params } = routeFor(path);

  let content;
  let account = null;
  try {
    try {
      account = await currentAccount();
    } catch (error) {
      // API unreachable: public screens still show, signed-in ones explain the problem.
      if (route.access === 'family' || route.access === 'staff') throw error;
    }
    if (mine !== sequence) return;
    const target = redirectFor(route, account, url);
    if (target) {
      history.replaceState(null, '', target);
      show({ focus });
      return;
    }
    const module = await route.load();
    if (mine !== sequence) return;
    content = await module.render({
      query: url.searchParams, path, route, params, account, navigate,
    });
  } catch (error) {
    console.error(error);
    content = errorPage(error);
  }
  if (mine !== sequence) return;

  renderAccountBar(knownAccount(), path);
  const flash = takeFlash();
  const container = h('div', { class: 'container' },
    flash ? alertBox(flash.kind, null, flash.message) : null, content);
  main.replaceChildren(container);

  // A page may name itself (data-title) and pick what gets focus (data-focus).
  const heading = main.querySelector('h1');
  const named = main.querySelector('[data-title]');
  const title = named ? named.dataset.title : heading && heading.textContent.trim();
  document.title = title ? `${title} – Portail Familles` : 'Portail Familles';
  if (focus) {
    window.scrollTo(0, 0);
    (main.querySelector('[data-focus]') || heading || main).focus({ preventScroll: true });
  }
}

function errorPage(error) {
  return h('div', {},
    pageTitle('Une erreur est survenue'),
    alertBox('error', null, error && error.message
      ? error.message
      : 'La page ne peut pas être affichée pour le moment.'),
    h('p', {}, h('a', { href: window.location.pathname + window.location.search }, 'Réessayer'),
      ' ou ', h('a', { href: '/' }, "revenir à l'accueil"), '.'));
}

/** The header's link of the page shown (and its section) reads as the current page. */
function current(link, active) {
  if (active) link.setAttribute('aria-current', 'page');
  return link;
}

function renderAccountBar(account, path = normalise(window.location.pathname)) {
  const bar = document.getElementById('account-bar');
  if (!account) {
    bar.hidden = true;
    bar.replaceChildren();
    return;
  }
  const staff = isStaff(account);
  const logoutButton = h('button', {
    type: 'button', class: 'btn-link logout',
    onclick: async () => {
      await logout();
      setFlash('Vous êtes déconnecté(e) du Portail Familles.');
      navigate(staff ? '/gestion/connexion' : '/connexion');
    },
  }, 'Se déconnecter');
  const name = [account.first_name, account.last_name].filter(Boolean).join(' ');
  const inPlanning = path.startsWith('/mon-compte/planning');
  const home = homeFor(account);
  const nav = h('nav', { 'aria-label': 'Mon espace', class: 'account-nav' },
    current(h('a', { href: home, class: 'account-home' }, staff ? 'Espace professionnel' : 'Mon compte'),
      !inPlanning && (path === home || path.startsWith(`${home}/`))));
  bar.replaceChildren(h('div', { class: 'container account-bar-inner' },
    nav,
    h('div', { class: 'account-tools' },
      name ? h('span', { class: 'account-name' }, name) : null,
      logoutButton)));
  bar.hidden = false;
  // « Mon planning » appears once the family's pre-enrolment is validated (the guide's « onglet »)
  if (!staff) {
    planningOpen().then((open) => {
      nav.dataset.planning = open ? 'open' : 'closed'; // settled (what the page shows can be waited on)
      if (!open || !nav.isConnected || nav.querySelector('.account-planning')) return;
      nav.append(current(h('a', { href: '/mon-compte/planning', class: 'account-home account-planning' }, 'Mon planning'),
        inPlanning));
    });
  }
}

function onLinkClick(event) {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest('a[href]');
  if (!link || (link.target && link.target !== '_self') || link.hasAttribute('download')) return;
  const url = new URL(link.href, window.location.href);
  if (url.origin !== window.location.origin) return;
  if (/\.[a-z0-9]+$/i.test(url.pathname) || /^\/(api|dev)\//.test(url.pathname)) return;
  const samePage = url.pathname === window.location.pathname && url.search === window.location.search;
  if (samePage && url.hash) return; // in-page anchor (skip link, error summary)
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
}

window.addEventListener('pf:session-expired', () => {
  const { route } = routeFor(normalise(window.location.pathname));
  if (route.access !== 'family' && route.access !== 'staff') return;
  setFlash('Votre session a expiré. Veuillez vous reconnecter.', 'info');
  const here = window.location.pathname + window.location.search;
  navigate(`${loginPathFor(window.location.pathname)}?retour=${encodeURIComponent(here)}`,
    { replace: true });
});
// A logout in another tab ends this tab's session too: its protected page gives way to the login.
window.addEventListener('pf:logged-out', () => {
  setFlash('Vous êtes déconnecté(e) du Portail Familles.');
  const { route } = routeFor(normalise(window.location.pathname));
  if (route.access !== 'family' && route.access !== 'staff') {
    show();
    return;
  }
  navigate(loginPathFor(window.location.pathname), { replace: true });
});
document.addEventListener('click', onLinkClick);
window.addEventListener('popstate', () => show({ focus: true }));
show();
