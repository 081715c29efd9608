// "/confirmer-email?token=…" — the link of the signup email.

import { useLinkToken } from '../api.js';
import { h, pageTitle, alertBox } from '../ui.js';
import { resendLink } from './signup-done.js';

export async function render({ query }) {
  const token = query.get('token');
  const outcome = token ? await useLinkToken('/api/accounts/verify', token) : {
    ok: false, error: { message: "Le lien de confirmation est incomplet. Copiez le lien entier reçu par mail, ou demandez-en un nouveau." },
  };
  if (outcome.ok) {
    return h('div', { class: 'narrow' },
      pageTitle('Votre adresse e-mail est confirmée'),
      alertBox('success', null, 'Merci ! Votre compte est activé : vous pouvez maintenant vous connecter au Portail Familles.'),
      h('p', { class: 'actions' }, h('a', { class: 'btn btn-primary', href: '/connexion' }, 'Se connecter')));
  }
  return h('div', { class: 'narrow' },
    pageTitle("L'adresse e-mail n'a pas pu être confirmée"),
    alertBox('error', null, outcome.error.message),
    h('h2', {}, 'Recevoir un nouveau lien'),
    h('p', {}, 'Indiquez l\'adresse e-mail de votre compte : si elle est en attente de confirmation, un nouveau lien lui sera envoyé.'),
    resendLink(null, { idPrefix: 'confirm-resend' }),
    h('p', {}, 'Votre adresse est peut-être déjà confirmée : ', h('a', { href: '/connexion' }, 'Se connecter'), '.'));
}
