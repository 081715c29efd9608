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

/** Add (on) or remove an id in a control's aria-describedby. */
export function describe(control, id, on = true) {
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
export const idFor = (idPrefix, name) => `${idPrefix}-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}`;

export function field({
  name, label, type = 'text', required = false, hint, value = '', autocomplete,
  inputmode, maxlength, spellcheck, idPrefix = 'f', min, max, step, accept,
}) {
  const id = idFor(idPrefix, name);
  const input = h('input', {
    id, name, type, value: type === 'file' ? null : value, autocomplete, inputmode, maxlength,
    spellcheck, min, max, step, accept,
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

/** A labelled multi-line text input (same conventions as field()). */
export function textareaField({
  name, label, required = false, hint, value = '', maxlength, rows = 3, idPrefix = 'f',
}) {
  const id = idFor(idPrefix, name);
  const area = h('textarea', {
    id, name, rows, maxlength, required, 'aria-required': required ? 'true' : null, 'data-field': name,
  });
  area.value = value || '';
  const parts = [h('label', { for: id }, label, required ? requiredMark() : null)];
  if (hint) {
    parts.push(h('p', { class: 'hint', id: `${id}-hint` }, hint));
    describe(area, `${id}-hint`, true);
  }
  parts.push(h('p', { class: 'field-error', id: `${id}-error`, hidden: true }), area);
  return h('div', { class: 'field' }, parts);
}

/** Radio buttons in a fieldset (role radiogroup so it can be aria-required). */
export function radioGroup({
  name, legend, options, required = false, value = '', idPrefix = 'f', hint,
}) {
  const id = idFor(idPrefix, name);
  const group = h('fieldset', {
    class: 'field radios', id, role: 'radiogroup', 'data-field': name,
    'aria-required': required ? 'true' : null,
  },
  h('legend', {}, legend, required ? requiredMark() : null),
  hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
  h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
  h('div', { class: 'radio-list' }, options.map((opt, i) => h('div', { class: 'radio' },
    h('input', {
      type: 'radio', name, id: `${id}-${i}`, value: opt.value, checked: opt.value === value,
    }),
    h('label', { for: `${id}-${i}` }, opt.label),
  ))));
  if (hint) describe(group, `${id}-hint`, true);
  return group;
}

/** "Oui" / "Non" radio buttons; `value` is true, false or null (not answered). */
export function yesNoGroup({ name, legend, value = null, required = false, idPrefix = 'f', hint }) {
  return radioGroup({
    name, legend, required, idPrefix, hint,
    value: value === true ? 'true' : value === false ? 'false' : '',
    options: [{ value: 'true', label: 'Oui' }, { value: 'false', label: 'Non' }],
  });
}

/** The answer of a yesNoGroup in `form`: true, false or null. */
export function yesNoValue(form, name) {
  const control = form.elements.namedItem(name);
  const value = control ? control.value : '';
  return value === 'true' ? true : value === 'false' ? false : null;
}

export function checkbox({ name, label, required = false, checked = false, idPrefix = 'f' }) {
  const id = idFor(idPrefix, name);
  return h('div', { class: 'field checkbox' },
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
    h('div', { class: 'check' },
      h('input', {
        type: 'checkbox', id, name, checked, required,
        'aria-required': required ? 'true' : null, 'data-field': name,
      }),
      h('label', { for: id }, label, required ? requiredMark() : null)));
}

export function selectField({
  name, label, options, required = false, value = '', idPrefix = 'f', hint, placeholder = '— Choisir —',
}) {
  const id = idFor(idPrefix, name);
  const select = h('select', {
    id, name, required, 'aria-required': required ? 'true' : null, 'data-field': name,
  },
  h('option', { value: '' }, placeholder),
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
  const target = control.matches('fieldset')
    ? control.querySelector('input, select, textarea') || control
    : control;
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

/** Any French number, landline or mobile: 10 digits starting with 0, or +33. */
export function isFrenchPhone(value) {
  const compact = value.replace(/[\s.()-]/g, '');
  return /^(?:0|\+33|0033)[1-9]\d{8}$/.test(compact);
}

/** A fieldset grouping several fields under a legend (no error of its own). */
export function group(legend, attrs, ...children) {
  return h('fieldset', { class: 'group', ...attrs }, h('legend', {}, legend), children);
}

export const formValue = (form, name) => {
  const control = form.elements.namedItem(name);
  return control && typeof control.value === 'string' ? control.value.trim() : '';
};

// --- repeated rows ---------------------------------------------------------

/**
 * A list of small identical forms (vaccinations, authorised persons…) with
 * "Ajouter" and "Supprimer" buttons. `name` is the API list (e.g.
 * "medical.vaccinations"): each input is named "<name>.<index>.<key>", so a
 * server error such as "medical.vaccinations.0.date" lands on its input.
 * columns: [{key, label, type, required, hint, autocomplete, inputmode}].
 * Returns {node, values(), check()}; values() drops the rows left empty.
 */
export function repeater({
  name, legend, hint, columns, rows = [], itemLabel, addLabel, emptyText, idPrefix = 'f', max = 20,
}) {
  const id = idFor(idPrefix, name);
  let data = rows.map((row) => ({ ...row }));
  const list = h('div', { class: 'repeater-rows' });
  const empty = h('p', { class: 'repeater-empty' }, emptyText || 'Aucune ligne pour le moment.');
  const add = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, addLabel);
  const node = h('fieldset', { class: 'field repeater', id, 'data-field': name, tabindex: '-1' },
    h('legend', {}, legend),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
    empty, list, h('div', { class: 'repeater-add' }, add));
  if (hint) describe(node, `${id}-hint`, true);

  const inputName = (index, key) => `${name}.${index}.${key}`;

  function read() {
    data = [...list.children].map((row, index) => Object.fromEntries(columns.map((col) => {
      const input = row.querySelector(`[name="${CSS.escape(inputName(index, col.key))}"]`);
      return [col.key, input ? input.value.trim() : ''];
    })));
  }

  function draw() {
    list.replaceChildren(...data.map((row, index) => {
      const number = index + 1;
      const remove = h('button', {
        type: 'button', class: 'btn-link repeater-remove',
        onclick: () => {
          read();
          data.splice(index, 1);
          draw();
          const rowsLeft = list.children;
          const target = rowsLeft.length
            ? rowsLeft[Math.min(index, rowsLeft.length - 1)].querySelector('input')
            : add;
          target.focus();
        },
      }, 'Supprimer', h('span', { class: 'sr-only' }, ` : ${itemLabel} ${number}`));
      return h('fieldset', { class: 'repeater-row' },
        h('legend', {}, `${itemLabel} ${number}`),
        h('div', { class: 'repeater-fields' }, columns.map((col) => field({
          name: inputName(index, col.key), label: col.label, type: col.type || 'text',
          required: col.required, hint: col.hint, value: row[col.key] || '', idPrefix,
          autocomplete: col.autocomplete || 'off', inputmode: col.inputmode, max: col.max,
        }))),
        remove);
    }));
    empty.hidden = data.length > 0;
    add.hidden = data.length >= max;
  }

  add.addEventListener('click', () => {
    read();
    data.push(Object.fromEntries(columns.map((col) => [col.key, ''])));
    draw();
    list.lastElementChild.querySelector('input').focus();
  });
  draw();

  const isEmpty = (row) => columns.every((col) => !row[col.key]);
  return {
    node,
    /** The filled rows; empty rows are removed first so indexes match the API's. */
    values() {
      read();
      if (data.some(isEmpty)) {
        data = data.filter((row) => !isEmpty(row));
        draw();
      }
      return data.map((row) => ({ ...row }));
    },
    /** {"<name>.<i>.<key>": message} for each required cell left empty in a filled row. */
    check(messages = {}) {
      const errors = {};
      this.values().forEach((row, index) => {
        for (const col of columns) {
          if (col.required && !row[col.key]) {
            errors[inputName(index, col.key)] = messages[col.key] || `Complétez : ${col.label}.`;
          }
        }
      });
      return errors;
    },
  };
}

// --- decisions with a reason -------------------------------------------------

/**
 * A button that opens a small form asking for a reason (refusal, message to the
 * family), then calls onSubmit(text). Errors of the API (any field) show under
 * the text area. Returns {toggle, form}: place both.
 */
export function reasonDisclosure({
  idPrefix, openLabel, srSuffix = '', fieldLabel, hint, submitLabel, requiredMessage, onSubmit,
}) {
  const formId = `${idPrefix}-form`;
  const toggle = h('button', {
    type: 'button', class: 'btn btn-secondary btn-small', 'aria-expanded': 'false', 'aria-controls': formId,
  }, openLabel, srSuffix ? h('span', { class: 'sr-only' }, ` : ${srSuffix}`) : null);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-small' }, submitLabel);
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, 'Annuler');
  const form = h('form', { novalidate: true, id: formId, class: 'reason-form', hidden: true },
    errorSummary(),
    textareaField({ name: 'reason', label: fieldLabel, required: true, hint, idPrefix, maxlength: 2000 }),
    h('div', { class: 'form-actions' }, cancel, submit));
  const area = form.querySelector('textarea');
  const setOpen = (open) => {
    form.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
  };
  toggle.addEventListener('click', () => {
    setOpen(form.hidden);
    if (!form.hidden) area.focus();
  });
  cancel.addEventListener('click', () => {
    clearErrors(form);
    setOpen(false);
    toggle.focus();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = area.value.trim();
    if (!text) {
      showErrors(form, { message: requiredMessage, fields: { reason: requiredMessage } });
      return;
    }
    try {
      await busy(submit, () => onSubmit(text), 'Envoi…');
    } catch (error) {
      const messages = Object.values(error.fields || {});
      showErrors(form, { message: error.message, fields: { reason: messages[0] || error.message } });
    }
  });
  return { toggle, form };
}
