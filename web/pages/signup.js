// "/inscription" — the signup wizard: 5 steps, then a recap, then the account
// is created. The step is in the URL (?etape=2) so the back button works.
// Answers are kept in sessionStorage (never the password, kept in memory only).

import { post } from '../api.js';
import {
  h, field, radioGroup, checkbox, requiredNote, errorSummary, showErrors, pageTitle,
  alertBox, passwordChecklist, showPasswordsToggle, passwordIsStrong, busy,
  EMAIL_RE, POSTAL_CODE_RE, isFrenchMobile,
} from '../ui.js';

const STORAGE_KEY = 'pf.signup';
const SECRET = new Set(['password', 'password_confirm']);
const RECAP = 'recapitulatif';
export const DONE_EMAIL_KEY = 'pf.signup.email';
const LINK_SENT_KEY = 'pf.signup.linkSent';
/** The API sends at most one confirmation link per minute and address (it says so, neutrally). */
export const RESEND_SECONDS = 60;

/** Remember, in this tab, when a confirmation link was last asked for this address. */
export function rememberLinkSent(email, seconds = RESEND_SECONDS) {
  try {
    const sent = JSON.parse(sessionStorage.getItem(LINK_SENT_KEY) || '{}');
    sent[email.toLowerCase()] = Date.now() + seconds * 1000;
    sessionStorage.setItem(LINK_SENT_KEY, JSON.stringify(sent));
  } catch { /* not remembered: the API still holds the limit */ }
}

/** When a new link may be asked for this address (a Date), or null when it may be asked now. */
export function nextLinkAllowed(email) {
  try {
    const until = JSON.parse(sessionStorage.getItem(LINK_SENT_KEY) || '{}')[email.toLowerCase()];
    return until && until > Date.now() ? new Date(until) : null;
  } catch {
    return null;
  }
}

let answers = loadAnswers();
let serverErrors = null; // {message, fields} from the last "Créer mon compte"

function loadAnswers() {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY)) || {};
  } catch {
    return {};
  }
}

function saveAnswers() {
  const kept = Object.fromEntries(Object.entries(answers).filter(([key]) => !SECRET.has(key)));
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(kept));
}

function resetAnswers() {
  answers = {};
  serverErrors = null;
  sessionStorage.removeItem(STORAGE_KEY);
}

const v = (name) => (typeof answers[name] === 'string' ? answers[name] : '');
const CIVILITIES = [{ value: 'Mme', label: 'Madame' }, { value: 'M.', label: 'Monsieur' }];

// Each step: its fields (API names), how to draw them, how to check them,
// and how to show them in the recap.
const STEPS = [
  {
    title: 'Identité',
    fields: ['civility', 'last_name', 'first_name'],
    draw: (p) => [
      radioGroup({ name: 'civility', legend: 'Civilité', options: CIVILITIES, required: true, value: v('civility'), idPrefix: p }),
      field({ name: 'last_name', label: 'Nom', required: true, value: v('last_name'), autocomplete: 'family-name', idPrefix: p }),
      field({ name: 'first_name', label: 'Prénom', required: true, value: v('first_name'), autocomplete: 'given-name', idPrefix: p }),
    ],
    check: (a) => ({
      civility: !a.civility && 'Indiquez votre civilité.',
      last_name: !a.last_name && 'Indiquez votre nom.',
      first_name: !a.first_name && 'Indiquez votre prénom.',
    }),
    recap: (a) => [
      ['Civilité', (CIVILITIES.find((c) => c.value === a.civility) || {}).label || ''],
      ['Nom', a.last_name], ['Prénom', a.first_name]],
  },
  {
    title: 'Coordonnées',
    fields: ['email', 'phone'],
    draw: (p) => [
      field({
        name: 'email', label: 'Adresse e-mail', type: 'email', required: true, value: v('email'),
        autocomplete: 'email', spellcheck: 'false', idPrefix: p,
        hint: "Elle servira à vous connecter. Un lien de confirmation y sera envoyé. Format attendu : nom@exemple.fr",
      }),
      field({
        name: 'phone', label: 'Téléphone mobile', type: 'tel', required: true, value: v('phone'),
        autocomplete: 'tel', idPrefix: p, hint: 'Format attendu : 06 12 34 56 78 ou +33 6 12 34 56 78',
      }),
    ],
    check: (a) => ({
      email: !a.email ? 'Indiquez votre adresse e-mail.'
        : !EMAIL_RE.test(a.email) && "L'adresse e-mail n'est pas valide. Format attendu : nom@exemple.fr",
      phone: !a.phone ? 'Indiquez votre numéro de téléphone mobile.'
        : !isFrenchMobile(a.phone) && "Le numéro n'est pas un mobile français valide. Format attendu : 06 12 34 56 78",
    }),
    recap: (a) => [['Adresse e-mail', a.email], ['Téléphone mobile', a.phone]],
  },
  {
    title: 'Adresse postale',
    fields: ['address.line1', 'address.line2', 'address.postal_code', 'address.city'],
    draw: (p) => [
      field({ name: 'address.line1', label: 'Adresse', required: true, value: v('address.line1'), autocomplete: 'address-line1', idPrefix: p, hint: 'Numéro et nom de la voie' }),
      field({ name: 'address.line2', label: "Complément d'adresse", value: v('address.line2'), autocomplete: 'address-line2', idPrefix: p, hint: 'Bâtiment, étage, lieu-dit… (facultatif)' }),
      field({ name: 'address.postal_code', label: 'Code postal', required: true, value: v('address.postal_code'), autocomplete: 'postal-code', inputmode: 'numeric', maxlength: 5, idPrefix: p, hint: '5 chiffres, par exemple 67590' }),
      field({ name: 'address.city', label: 'Ville', required: true, value: v('address.city'), autocomplete: 'address-level2', idPrefix: p }),
    ],
    check: (a) => ({
      'address.line1': !a['address.line1'] && 'Indiquez votre adresse.',
      'address.postal_code': !a['address.postal_code'] ? 'Indiquez votre code postal.'
        : !POSTAL_CODE_RE.test(a['address.postal_code']) && 'Le code postal doit contenir 5 chiffres.',
      'address.city': !a['address.city'] && 'Indiquez votre ville.',
    }),
    recap: (a) => [
      ['Adresse', a['address.line1']],
      ["Complément d'adresse", a['address.line2'] || 'Non renseigné'],
      ['Code postal', a['address.postal_code']], ['Ville', a['address.city']]],
  },
  {
    title: 'Mot de passe',
    fields: ['password', 'password_confirm'],
    draw: (p) => {
      const pass = field({ name: 'password', label: 'Mot de passe', type: 'password', required: true, value: v('password'), autocomplete: 'new-password', idPrefix: p });
      const confirm = field({ name: 'password_confirm', label: 'Confirmation du mot de passe', type: 'password', required: true, value: v('password_confirm'), autocomplete: 'new-password', idPrefix: p, hint: 'Saisissez à nouveau le même mot de passe.' });
      const inputs = [pass.querySelector('input'), confirm.querySelector('input')];
      pass.append(passwordChecklist(inputs[0]));
      // For password managers: the account this new password belongs to.
      const username = h('input', { type: 'email', name: 'username', autocomplete: 'username', value: v('email'), hidden: true, tabindex: '-1' });
      return [username, pass, confirm, showPasswordsToggle(inputs, p)];
    },
    check: (a) => ({
      password: !a.password ? 'Choisissez un mot de passe.'
        : !passwordIsStrong(a.password) && 'Le mot de passe ne respecte pas toutes les règles indiquées.',
      password_confirm: !a.password_confirm ? 'Saisissez à nouveau votre mot de passe.'
        : a.password_confirm !== a.password && 'Les deux mots de passe ne sont pas identiques.',
    }),
    recap: () => [['Mot de passe', 'Choisi (masqué)']],
  },
  {
    title: 'Consentement',
    fields: ['accept_terms', 'accept_privacy'],
    draw: (p) => [
      h('p', {}, 'Pour créer votre compte, vous devez accepter les deux documents suivants.'),
      checkbox({ name: 'accept_terms', label: "J'accepte les conditions générales d'utilisation", required: true, checked: answers.accept_terms === true, idPrefix: p }),
      checkbox({ name: 'accept_privacy', label: "J'accepte la politique de confidentialité", required: true, checked: answers.accept_privacy === true, idPrefix: p }),
    ],
    check: (a) => ({
      accept_terms: !a.accept_terms && "Vous devez accepter les conditions générales d'utilisation.",
      accept_privacy: !a.accept_privacy && 'Vous devez accepter la politique de confidentialité.',
    }),
    recap: (a) => [
      ["Conditions générales d'utilisation", a.accept_terms ? 'Acceptées' : 'Non acceptées'],
      ['Politique de confidentialité', a.accept_privacy ? 'Acceptée' : 'Non acceptée']],
  },
];

const errorsOf = (step) => Object.fromEntries(
  Object.entries(step.check(answers)).filter(([, message]) => message));

/** Index of the first step whose answers are incomplete, or -1. */
const firstIncomplete = () => STEPS.findIndex((step) => Object.keys(errorsOf(step)).length > 0);

const stepOfField = (name) => STEPS.findIndex((step) => step.fields.some(
  (f) => name === f || name.startsWith(`${f}.`) || f.startsWith(`${name}.`) || (f === 'accept_terms' && name.startsWith('accept'))));

const stepUrl = (index, fromRecap = false) =>
  `/inscription?etape=${index + 1}${fromRecap ? `&depuis=${RECAP}` : ''}`;

function readForm(form, step) {
  for (const name of step.fields) {
    const control = form.elements.namedItem(name);
    if (!control) continue;
    if (control.type === 'checkbox') answers[name] = control.checked;
    else if (SECRET.has(name)) answers[name] = control.value;
    else answers[name] = control.value.trim();
  }
  saveAnswers();
}

function header(stateText, title, next) {
  return [
    pageTitle('Créer mon compte'),
    h('p', { class: 'lead' }, 'Je complète les 5 étapes suivantes.'),
    h('div', { class: 'stepper' },
      h('h2', { class: 'stepper-title', tabindex: '-1', 'data-focus': '' },
        h('span', { class: 'stepper-state' }, stateText), title),
      h('div', { class: 'stepper-bar', 'aria-hidden': 'true' },
        STEPS.map((_, i) => h('span', { class: i < next ? 'done' : '' }))),
      next < STEPS.length
        ? h('p', { class: 'stepper-next' }, h('span', { class: 'label' }, 'Étape suivante : '), STEPS[next].title)
        : null),
  ];
}

function renderStep(index, { navigate, fromRecap }) {
  const step = STEPS[index];
  const p = `signup${index + 1}`;
  const form = h('form', { novalidate: true, class: 'wizard-form', 'aria-labelledby': `${p}-legend` },
    errorSummary(),
    h('p', { class: 'sr-only', id: `${p}-legend` }, `Étape ${index + 1} : ${step.title}`),
    requiredNote(),
    step.draw(p));

  const nextLabel = fromRecap ? 'Revenir au récapitulatif' : 'Suivant';
  const actions = h('div', { class: 'form-actions' },
    index > 0
      ? h('button', {
        type: 'button', class: 'btn btn-secondary',
        onclick: () => { readForm(form, step); navigate(stepUrl(index - 1)); },
      }, 'Précédent')
      : null,
    h('button', { type: 'submit', class: 'btn btn-primary' }, nextLabel));
  form.append(actions);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    readForm(form, step);
    const errors = errorsOf(step);
    if (Object.keys(errors).length) {
      showErrors(form, { message: 'Cette étape contient des erreurs. Corrigez les champs signalés pour continuer.', fields: errors });
      return;
    }
    if (serverErrors) {
      // The person changed these answers: forget the server's old complaints about them.
      for (const name of Object.keys(serverErrors.fields)) {
        if (stepOfField(name) === index) delete serverErrors.fields[name];
      }
    }
    const goRecap = fromRecap || index === STEPS.length - 1;
    navigate(goRecap ? `/inscription?etape=${RECAP}` : stepUrl(index + 1));
  });

  const node = h('div', { class: 'wizard', 'data-title': `Étape ${index + 1} sur 5 : ${step.title} – Créer mon compte` },
    header(`Étape ${index + 1} sur 5`, step.title, index + 1), form);

  // Errors the server found in this step's fields (after "Créer mon compte").
  const mine = serverErrors && Object.fromEntries(
    Object.entries(serverErrors.fields).filter(([name]) => stepOfField(name) === index));
  if (mine && Object.keys(mine).length) {
    // After the router has attached the page and moved focus.
    setTimeout(() => showErrors(form, { message: serverErrors.message, fields: mine }), 0);
  }
  return node;
}

function renderRecap({ navigate }) {
  const sections = STEPS.map((step, i) => h('section', { class: 'recap-section', 'aria-labelledby': `recap-${i}` },
    h('div', { class: 'recap-head' },
      h('h3', { id: `recap-${i}` }, `${i + 1}. ${step.title}`),
      h('a', { href: stepUrl(i, true) }, 'Modifier', h('span', { class: 'sr-only' }, ` : ${step.title}`))),
    h('dl', {}, step.recap(answers).map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]))));

  const feedback = h('div', { class: 'recap-feedback' });
  if (serverErrors && Object.keys(serverErrors.fields).length) {
    feedback.append(alertBox('error', serverErrors.message,
      h('ul', {}, Object.entries(serverErrors.fields).map(([name, text]) => h('li', {}, text, ' — ',
        h('a', { href: stepUrl(Math.max(stepOfField(name), 0), true) }, 'Modifier'))))));
  }

  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Créer mon compte');
  const form = h('form', { novalidate: true, class: 'recap-form' },
    h('div', { class: 'form-actions' },
      h('a', { class: 'btn btn-secondary', href: stepUrl(STEPS.length - 1) }, 'Précédent'),
      submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    feedback.replaceChildren();
    const payload = {
      civility: answers.civility,
      last_name: answers.last_name,
      first_name: answers.first_name,
      email: answers.email,
      phone: answers.phone.replace(/[\s.-]/g, ''),
      address: {
        line1: answers['address.line1'],
        line2: answers['address.line2'] || '',
        postal_code: answers['address.postal_code'],
        city: answers['address.city'],
      },
      password: answers.password,
      accept_terms: answers.accept_terms === true && answers.accept_privacy === true,
    };
    try {
      const result = await busy(submit, () => post('/api/accounts/signup', payload, { auth: false }),
        'Création en cours…');
      sessionStorage.setItem(DONE_EMAIL_KEY, (result && result.email) || answers.email);
      rememberLinkSent((result && result.email) || answers.email);
      resetAnswers();
      navigate('/inscription/compte-cree', { replace: true });
    } catch (error) {
      const fields = error.fields || {};
      const steps = Object.keys(fields).map(stepOfField).filter((i) => i >= 0);
      if (steps.length) {
        serverErrors = { message: error.message, fields: { ...fields } };
        navigate(stepUrl(Math.min(...steps), true));
        return;
      }
      const alert = alertBox('error', null, error.message);
      alert.tabIndex = -1;
      feedback.replaceChildren(alert);
      alert.focus();
    }
  });

  return h('div', { class: 'wizard', 'data-title': 'Récapitulatif – Créer mon compte' },
    header('Étapes terminées', 'Récapitulatif', STEPS.length),
    h('p', {}, 'Vérifiez les informations saisies avant de créer votre compte.'),
    feedback, sections, form);
}

export function render({ query, navigate }) {
  const wanted = query.get('etape') || '1';
  const fromRecap = query.get('depuis') === RECAP;
  const missing = firstIncomplete();

  if (wanted === RECAP) {
    if (missing >= 0) {
      history.replaceState(null, '', stepUrl(missing));
      return renderStep(missing, { navigate, fromRecap: false });
    }
    return renderRecap({ navigate });
  }
  let index = Number.parseInt(wanted, 10) - 1;
  if (!(index >= 0 && index < STEPS.length)) index = 0;
  // Steps are done in order: no jumping over an incomplete one.
  if (missing >= 0 && missing < index) {
    history.replaceState(null, '', stepUrl(missing));
    return renderStep(missing, { navigate, fromRecap: false });
  }
  return renderStep(index, { navigate, fromRecap: fromRecap && missing < 0 });
}
