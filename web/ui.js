// Small DOM helpers shared by the pages: element builder, form fields with
// labels, hints and errors, alerts, breadcrumb, password checklist.
// Text always goes through text nodes (never innerHTML), so data is safe.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'value') el.value = value;
    else if (key === 'checked') el.checked = Boolean(value);
    else if (value === true) el.setAttribute(key, key.startsWith('aria-') ? 'true' : '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

let uid = 0;
export const nextId = (prefix = 'id') => `${prefix}-${++uid}`;

const requiredMark = () => h('span', { class: 'required', 'aria-hidden': 'true' }, ' *');

export const requiredNote = () =>
  h('p', { class: 'required-note' }, "Les champs marqués d'un * sont obligatoires.");

function describe(control, id, on) {
  const ids = new Set((control.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean));
  if (on) ids.add(id);
  else ids.delete(id);
  if (ids.size) control.setAttribute('aria-describedby', [...ids].join(' '));
  else control.removeAttribute('aria-describedby');
}

/**
 * A labelled input. `name` is the API field name (e.g. "address.postal_code"):
 * server errors for that name are shown under this input.
 */
export function field({
  name, label, type = 'text', required = false, hint, value = '', autocomplete,
  inputmode, maxlength, spellcheck, idPrefix = 'f',
}) {
  const id = `${idPrefix}-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
  const input = h('input', {
    id, name, type, value, autocomplete, inputmode, maxlength, spellcheck,
    required, 'aria-required': required ? 'true' : null, 'data-field': name,
  });
  const parts = [h('label', { for: id }, label, required ? requiredMark() : null)];
  if (hint) {
    parts.push(h('p', { class: 'hint', id: `${id}-hint` }, hint));
    describe(input, `${id}-hint`, true);
  }
  parts.push(h('p', { class: 'field-error', id: `${id}-error`, hidden: true }));
  parts.push(input);
  return h('div', { class: 'field' }, parts);
}

/** Radio buttons in a fieldset (role radiogroup so it can be aria-required). */
export function radioGroup({ name, legend, options, required = false, value = '', idPrefix = 'f' }) {
  const id = `${idPrefix}-${name}`;
  const group = h('fieldset', {
    class: 'field radios', id, role: 'radiogroup', 'data-field': name,
    'aria-required': required ? 'true' : null,
  },
  h('legend', {}, legend, required ? requiredMark() : null),
  h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
  h('div', { class: 'radio-list' }, options.map((opt, i) => h('div', { class: 'radio' },
    h('input', {
      type: 'radio', name, id: `${id}-${i}`, value: opt.value, checked: opt.value === value,
    }),
    h('label', { for: `${id}-${i}` }, opt.label),
  ))));
  return group;
}

export function checkbox({ name, label, required = false, checked = false, idPrefix = 'f' }) {
  const id = `${idPrefix}-${name}`;
  return h('div', { class: 'field checkbox' },
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
    h('div', { class: 'check' },
      h('input', {
        type: 'checkbox', id, name, checked, required,
        'aria-required': required ? 'true' : null, 'data-field': name,
      }),
      h('label', { for: id }, label, required ? requiredMark() : null)));
}

export function selectField({ name, label, options, required = false, value = '', idPrefix = 'f', hint }) {
  const id = `${idPrefix}-${name}`;
  const select = h('select', {
    id, name, required, 'aria-required': required ? 'true' : null, 'data-field': name,
  },
  h('option', { value: '' }, '— Choisir —'),
  options.map((opt) => h('option', { value: opt.value, selected: opt.value === value }, opt.label)));
  const parts = [h('label', { for: id }, label, required ? requiredMark() : null)];
  if (hint) {
    parts.push(h('p', { class: 'hint', id: `${id}-hint` }, hint));
    describe(select, `${id}-hint`, true);
  }
  parts.push(h('p', { class: 'field-error', id: `${id}-error`, hidden: true }), select);
  return h('div', { class: 'field' }, parts);
}

// --- errors --------------------------------------------------------------

function findControl(root, name) {
  let key = name;
  while (key) {
    const found = root.querySelector(`[data-field="${CSS.escape(key)}"]`);
    if (found) return found;
    const cut = Math.max(key.lastIndexOf('.'), key.lastIndexOf('['));
    key = cut > 0 ? key.slice(0, cut) : '';
  }
  return null;
}

function errorHolder(control) {
  const wrapper = control.closest('.field');
  return wrapper ? wrapper.querySelector('.field-error') : null;
}

export function setFieldError(control, message) {
  const holder = errorHolder(control);
  if (!holder) return;
  holder.textContent = '';
  holder.append(h('span', { class: 'sr-only' }, 'Erreur : '), message);
  holder.hidden = false;
  control.setAttribute('aria-invalid', 'true');
  describe(control, holder.id, true);
  control.closest('.field').classList.add('has-error');
}

export function clearErrors(root) {
  root.querySelectorAll('.field-error').forEach((holder) => {
    holder.textContent = '';
    holder.hidden = true;
  });
  root.querySelectorAll('[aria-invalid]').forEach((control) => {
    control.removeAttribute('aria-invalid');
    const holder = errorHolder(control);
    if (holder) describe(control, holder.id, false);
  });
  root.querySelectorAll('.has-error').forEach((el) => el.classList.remove('has-error'));
  root.querySelectorAll('.error-summary').forEach((box) => {
    box.textContent = '';
    box.hidden = true;
  });
}

/** The container (role="alert") where a form's error summary appears. */
export const errorSummary = () =>
  h('div', { class: 'alert alert-error error-summary', role: 'alert', tabindex: '-1', hidden: true });

function focusControl(control) {
  const target = control.matches('fieldset') ? control.querySelector('input') : control;
  target.focus();
}

/**
 * Show errors in `root`: each fields[name] under its input, and a summary with
 * `message` and links to the fields. Focus goes to the first field in error
 * (or to the summary). Returns the names that matched no input.
 */
export function showErrors(root, { message, fields = {} }) {
  clearErrors(root);
  const items = [];
  const unmatched = [];
  let first = null;
  for (const [name, text] of Object.entries(fields || {})) {
    const control = findControl(root, name);
    if (control) {
      setFieldError(control, text);
      first = first || control;
      const link = h('a', {
        href: `#${control.id}`,
        onclick: (event) => { event.preventDefault(); focusControl(control); },
      }, text);
      items.push(h('li', {}, link));
    } else {
      unmatched.push(name);
      items.push(h('li', {}, text));
    }
  }
  const summary = root.querySelector('.error-summary');
  if (summary) {
    summary.append(h('p', { class: 'alert-title' }, message || 'Veuillez corriger les erreurs signalées.'));
    if (items.length) summary.append(h('ul', {}, items));
    summary.hidden = false;
  }
  if (first) focusControl(first);
  else if (summary) summary.focus();
  return unmatched;
}

// --- building blocks -------------------------------------------------------

export function alertBox(kind, title, ...body) {
  const role = kind === 'error' ? 'alert' : 'status';
  return h('div', { class: `alert alert-${kind}`, role },
    title ? h('p', { class: 'alert-title' }, title) : null, body);
}

/** A polite live region, present from the start so that what fills it is read out. */
export const statusRegion = () => h('div', { class: 'status-region', role: 'status' });

/** Fill a statusRegion with a message box (the region itself does the announcing). */
export function announce(region, kind, title, ...body) {
  const box = alertBox(kind, title, ...body);
  box.removeAttribute('role');
  region.replaceChildren(box);
}

export function breadcrumb(items) {
  return h('nav', { class: 'breadcrumb', 'aria-label': "Vous êtes ici :" },
    h('ol', {}, items.map((item, i) => h('li', {},
      i === items.length - 1
        ? h('span', { 'aria-current': 'page' }, item.label)
        : h('a', { href: item.href }, item.label)))));
}

export const pageTitle = (text) => h('h1', { tabindex: '-1' }, text);

export function button(label, attrs = {}) {
  return h('button', { type: 'button', class: 'btn', ...attrs }, label);
}

/** Disable a submit button while a request runs. */
export async function busy(btn, work, busyLabel = 'Veuillez patienter…') {
  const label = btn.textContent;
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  btn.textContent = busyLabel;
  try {
    return await work();
  } finally {
    btn.disabled = false;
    btn.removeAttribute('aria-busy');
    btn.textContent = label;
  }
}

// --- passwords -------------------------------------------------------------

export const PASSWORD_RULES = [
  { test: (v) => v.length >= 10, label: 'au moins 10 caractères' },
  { test: (v) => /[a-z]/.test(v), label: 'une lettre minuscule' },
  { test: (v) => /[A-Z]/.test(v), label: 'une lettre majuscule' },
  { test: (v) => /\d/.test(v), label: 'un chiffre' },
];

export const passwordIsStrong = (value) => PASSWORD_RULES.every((rule) => rule.test(value));

/** Live checklist of the password rules, linked to the input. */
export function passwordChecklist(input) {
  const id = `${input.id}-rules`;
  const items = PASSWORD_RULES.map((rule) => {
    const state = h('span', { class: 'sr-only' });
    const li = h('li', {}, h('span', { class: 'rule-icon', 'aria-hidden': 'true' }), rule.label, state);
    return { rule, li, state };
  });
  const box = h('div', { class: 'password-rules', id },
    h('p', {}, 'Votre mot de passe doit contenir :'),
    h('ul', {}, items.map((item) => item.li)));
  const update = () => {
    for (const { rule, li, state } of items) {
      const ok = rule.test(input.value);
      li.classList.toggle('ok', ok);
      state.textContent = ok ? ' (respecté)' : ' (non respecté)';
    }
  };
  input.addEventListener('input', update);
  update();
  describe(input, id, true);
  return box;
}

/** A checkbox that shows or hides the given password inputs. */
export function showPasswordsToggle(inputs, idPrefix = 'f') {
  const id = `${idPrefix}-show-passwords`;
  const label = inputs.length > 1 ? 'Afficher les mots de passe' : 'Afficher le mot de passe';
  const box = h('input', {
    type: 'checkbox', id,
    onchange: () => inputs.forEach((input) => { input.type = box.checked ? 'text' : 'password'; }),
  });
  return h('div', { class: 'check show-password' }, box, h('label', { for: id }, label));
}

// --- values ----------------------------------------------------------------

export const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const POSTAL_CODE_RE = /^\d{5}$/;

/** French mobile: 06/07 + 8 digits, or +33 6/7 (spaces, dots, dashes allowed). */
export function isFrenchMobile(value) {
  const compact = value.replace(/[\s.-]/g, '');
  return /^(?:0|\+33|0033)[67]\d{8}$/.test(compact);
}

export const formValue = (form, name) => {
  const control = form.elements.namedItem(name);
  return control && typeof control.value === 'string' ? control.value.trim() : '';
};
