// "/inscription/compte-cree" — after signup: confirm the address, resend the link.

import { post } from '../api.js';
import { h, pageTitle, alertBox, announce, statusRegion, busy, field, errorSummary, showErrors, EMAIL_RE } from '../ui.js';
import { DONE_EMAIL_KEY, rememberLinkSent, nextLinkAllowed } from './signup.js';

const clockTime = (moment) => moment.toLocaleTimeString('fr-FR', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** A "Renvoyer le lien" button (or a small form when the address is unknown). */
export function resendLink(email, { idPrefix = 'resend' } = {}) {
  const status = statusRegion();
  const form = h('form', { novalidate: true, class: 'resend-form' }, errorSummary());
  if (!email) {
    form.append(field({ name: 'email', label: 'Adresse e-mail', type: 'email', required: true, autocomplete: 'email', idPrefix }));
  }
  const submit = h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Renvoyer le lien');
  form.append(submit, status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.textContent = '';
    const address = email || form.elements.namedItem('email').value.trim();
    if (!EMAIL_RE.test(address)) {
      showErrors(form, { message: 'Indiquez votre adresse e-mail.', fields: { email: "Indiquez une adresse e-mail valide. Format attendu : nom@exemple.fr" } });
      return;
    }
    // Within the minute after a link was asked, nothing is sent: say so, and when to ask again.
    const allowed = nextLinkAllowed(address);
    if (allowed) {
      announce(status, 'info', null, `Un lien de confirmation a été demandé il y a moins d'une minute pour cette adresse : aucun nouveau lien n'est envoyé pour l'instant. Vous pourrez en demander un nouveau à partir de ${clockTime(allowed)}.`);
      return;
    }
    try {
      const result = await busy(submit, () => post('/api/accounts/verify/resend', { email: address }, { auth: false }), 'Envoi en cours…');
      rememberLinkSent(address, (result && result.retry_after_seconds) || undefined);
      const again = nextLinkAllowed(address);
      announce(status, 'success', null, (result && result.message)
        || 'Si un compte en attente de confirmation existe pour cette adresse, un nouveau lien vient de lui être envoyé.',
      again ? ` Vous pourrez en demander un nouveau à partir de ${clockTime(again)}.` : '');
    } catch (error) {
      showErrors(form, { message: error.message, fields: error.fields });
    }
  });
  return form;
}

export function render() {
  const email = sessionStorage.getItem(DONE_EMAIL_KEY);
  return h('div', { class: 'narrow' },
    pageTitle('Mon compte est créé'),
    alertBox('success', 'Votre compte est créé sur le Portail Familles.'),
    h('p', {}, 'Afin de valider la création de celui-ci, vous devez confirmer votre adresse e-mail en cliquant sur le lien transmis par mail',
      email ? [' à ', h('strong', {}, email)] : null, '.'),
    h('p', { class: 'callout' }, h('strong', {}, 'Attention, pensez à bien vérifier vos SPAMS.')),
    h('h2', {}, "Vous n'avez pas reçu le mail ?"),
    h('p', {}, 'Le lien peut mettre quelques minutes à arriver. Vous pouvez en demander un nouveau :'),
    resendLink(email),
    h('p', {}, 'En cas de difficultés, adressez-vous au responsable de la structure d\'accueil.'),
    h('p', {}, h('a', { href: '/connexion' }, 'Se connecter')));
}
