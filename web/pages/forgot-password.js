// "/mot-de-passe-oublie" — ask for a reset link.

import { post } from '../api.js';
import {
  h, field, pageTitle, requiredNote, errorSummary, showErrors, busy, statusRegion, announce, EMAIL_RE,
} from '../ui.js';

export function render() {
  const done = statusRegion();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Recevoir un lien');
  const form = h('form', { novalidate: true },
    errorSummary(), requiredNote(),
    field({ name: 'email', label: 'Adresse e-mail', type: 'email', required: true, autocomplete: 'email', spellcheck: 'false', idPrefix: 'forgot', hint: "L'adresse e-mail de votre compte." }),
    h('div', { class: 'form-actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    done.replaceChildren();
    const email = form.elements.namedItem('email').value.trim();
    if (!email || !EMAIL_RE.test(email)) {
      showErrors(form, {
        message: 'Veuillez corriger les erreurs signalées.',
        fields: { email: email ? "L'adresse e-mail n'est pas valide. Format attendu : nom@exemple.fr" : 'Indiquez votre adresse e-mail.' },
      });
      return;
    }
    try {
      const result = await busy(submit, () => post('/api/accounts/password/forgot', { email }, { auth: false }), 'Envoi en cours…');
      form.hidden = true;
      announce(done, 'success', null, (result && result.message)
        || 'Si un compte existe pour cette adresse, un lien pour choisir un nouveau mot de passe vient de lui être envoyé. Pensez à bien vérifier vos SPAMS.');
    } catch (error) {
      showErrors(form, { message: error.message, fields: error.fields });
    }
  });

  return h('div', { class: 'narrow' },
    pageTitle('Mot de passe oublié'),
    h('p', { class: 'lead' }, 'Indiquez votre adresse e-mail : vous recevrez un lien pour choisir un nouveau mot de passe.'),
    form, done,
    h('p', {}, h('a', { href: '/connexion' }, 'Revenir à la connexion')));
}
