// "/confirmer-nouvel-email?token=…" — the link sent to a new e-mail address.

import { useLinkToken } from '../api.js';
import { h, pageTitle, alertBox } from '../ui.js';
import { currentAccount, homeFor } from '../session.js';

export async function render({ query }) {
  const token = query.get('token');
  const outcome = token ? await useLinkToken('/api/accounts/email/confirm', token) : {
    ok: false, error: { message: 'Le lien de confirmation est incomplet. Copiez le lien entier reçu par mail.' },
  };
  let account = null;
  try {
    account = await currentAccount({ refresh: true });
  } catch {
    account = null;
  }
  const next = account
    ? h('a', { class: 'btn btn-primary', href: homeFor(account) }, account.role === 'family' ? 'Mon compte' : 'Espace professionnel')
    : h('a', { class: 'btn btn-primary', href: '/connexion' }, 'Se connecter');

  if (outcome.ok) {
    return h('div', { class: 'narrow' },
      pageTitle('Votre nouvelle adresse e-mail est confirmée'),
      alertBox('success', null, 'Votre adresse e-mail est modifiée : utilisez-la désormais pour vous connecter au Portail Familles.'),
      h('p', { class: 'actions' }, next));
  }
  return h('div', { class: 'narrow' },
    pageTitle("La nouvelle adresse e-mail n'a pas pu être confirmée"),
    alertBox('error', null, outcome.error.message),
    h('p', {}, 'Votre adresse e-mail actuelle reste inchangée. Vous pouvez refaire la demande depuis « Mon profil ».'),
    h('p', { class: 'actions' }, next));
}
