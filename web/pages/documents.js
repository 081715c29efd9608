// "/mon-compte/documents" — Mes documents: the documents required by the
// activities the family asked for (per child when the document concerns a
// child), their status, and for each line the upload: POST /documents, then
// the file straight to the storage (presigned POST), then POST …/confirm.

import { api, post, del, uploadToStorage } from '../api.js';
import {
  h, field, pageTitle, errorSummary, showErrors, clearErrors, busy, statusRegion, announce, alertBox,
} from '../ui.js';
import {
  ENROLMENT, loadFamily, frenchDate, childName, accountCrumbs, KINDS, documentCode,
} from '../family-file.js';

export const MAX_BYTES = 10 * 1024 * 1024;
const ACCEPT = '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png';
const TYPES_BY_EXTENSION = { pdf: 'application/pdf', jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png' };
const WRONG_FORMAT = 'Format refusé : seuls les fichiers PDF, JPEG ou PNG sont acceptés.';
const TOO_LARGE = 'Le fichier dépasse la taille maximale de 10 Mo. Réduisez-le (ou scannez-le en qualité moindre) puis recommencez.';
const enc = encodeURIComponent;
const todayIso = () => new Date().toISOString().slice(0, 10);

const LINE_STATUS = {
  missing: 'Manquant',
  pending: 'En attente de vérification',
  accepted: 'Accepté',
  rejected: 'Refusé',
  expired: 'Expiré',
};

/** The content type of a chosen file (from the browser, else its extension), or null. */
export function contentTypeOf(file) {
  const declared = (file.type || '').toLowerCase();
  if (Object.values(TYPES_BY_EXTENSION).includes(declared)) return declared;
  if (declared === 'image/jpg') return 'image/jpeg';
  const extension = (/\.([a-z0-9]+)$/i.exec(file.name || '') || [])[1];
  return extension ? TYPES_BY_EXTENSION[extension.toLowerCase()] || null : null;
}

const expired = (doc) => doc.valid_until && doc.valid_until < todayIso();

function lineStatus(docs) {
  if (docs.some((d) => d.status === 'accepted' && !expired(d))) return 'accepted';
  if (docs.some((d) => d.status === 'pending' && !expired(d))) return 'pending';
  if (docs.some((d) => d.status === 'accepted')) return 'expired';
  if (docs.some((d) => d.status === 'rejected')) return 'rejected';
  return 'missing';
}

export function documentStatusText(doc) {
  if (doc.status === 'accepted' && expired(doc)) return `Expiré depuis le ${frenchDate(doc.valid_until)}`;
  const text = { pending: 'En attente de vérification', accepted: 'Accepté', rejected: 'Refusé', uploading: 'Envoi non terminé' }[doc.status] || doc.status;
  const extra = [];
  if (doc.status === 'rejected' && doc.reason) extra.push(`motif : ${doc.reason}`);
  if (doc.valid_until && doc.status !== 'rejected') extra.push(`valable jusqu'au ${frenchDate(doc.valid_until)}`);
  return extra.length ? `${text} – ${extra.join(' ; ')}` : text;
}

/** Open a presigned URL in a new tab (the tab opens at the click, before the API answers). */
export async function openInNewTab(getUrl) {
  const tab = window.open('about:blank', '_blank');
  try {
    const { url } = await getUrl();
    if (tab) {
      tab.opener = null;
      tab.location.replace(url);
    } else {
      window.location.assign(url);
    }
  } catch (error) {
    if (tab) tab.close();
    throw error;
  }
}

/** The lines to show: required documents of each activity asked, grouped by family / child. */
function requiredLines(file, requirements, editions) {
  const children = file.children || [];
  const groups = new Map([[null, new Map()]]);
  for (const request of file.requests || []) {
    for (const item of requirements[request.kind] || []) {
      const childId = item.scope === 'child' ? request.child_id : null;
      if (!groups.has(childId)) groups.set(childId, new Map());
      const lines = groups.get(childId);
      if (!lines.has(item.type)) lines.set(item.type, { type: item.type, label: item.label, childId, kinds: [] });
      const line = lines.get(item.type);
      if (!line.kinds.includes(request.kind)) line.kinds.push(request.kind);
    }
  }
  // The signed welcome contract, once the contract is available in "Mes éditions".
  for (const edition of editions) {
    if (edition.kind !== 'welcome_contract' || !edition.available) continue;
    const childId = edition.child_id || null;
    if (!groups.has(childId)) groups.set(childId, new Map());
    groups.get(childId).set('welcome_contract', { type: 'welcome_contract', label: "Contrat d'accueil signé", childId, kinds: [] });
  }
  const result = [];
  for (const [childId, lines] of groups) {
    if (!lines.size) continue;
    const child = children.find((c) => c.child_id === childId);
    if (childId && !child) continue;
    result.push({ childId, title: child ? `Documents de ${childName(child)}` : 'Documents de la famille', lines: [...lines.values()] });
  }
  return result;
}

export function render({ query } = {}) {
  const status = statusRegion();
  const wanted = query && query.get('manquant');
  const body = h('div', { class: 'documents-body', 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Chargement de vos documents…'));

  async function load(focusSelector, message) {
    body.setAttribute('aria-busy', 'true');
    const [file, requirements, editions] = await Promise.all([
      loadFamily(),
      api(`${ENROLMENT}/documents/requirements`),
      api(`${ENROLMENT}/editions`).catch(() => []),
    ]);
    body.replaceChildren(...draw(file, requirements, Array.isArray(editions) ? editions : []));
    body.setAttribute('aria-busy', 'false');
    if (message) announce(status, 'success', null, message);
    const target = focusSelector && body.querySelector(focusSelector);
    if (target) target.focus();
    else if (wanted && !focusSelector) {
      // arrived from « Il vous reste à compléter » : the missing document's line, scrolled to and focused
      const line = [...body.querySelectorAll('[data-code]')].find((node) => node.dataset.code === wanted);
      const heading = line && line.querySelector('h3');
      if (heading) {
        heading.scrollIntoView({ block: 'center' });
        heading.focus({ preventScroll: true });
      }
    }
  }

  function docItem(doc, line) {
    const outcome = h('div');
    const showError = (error) => {
      const alert = alertBox('error', null, error.message);
      alert.tabIndex = -1;
      outcome.replaceChildren(alert);
      alert.focus();
    };
    const view = h('button', { type: 'button', class: 'btn btn-secondary btn-small' },
      'Voir', h('span', { class: 'sr-only' }, ` : ${doc.filename}`));
    view.addEventListener('click', () => openInNewTab(() => api(`${ENROLMENT}/documents/${enc(doc.document_id)}/download`)).catch(showError));
    let remove = null;
    if (doc.status !== 'accepted') {
      remove = h('button', { type: 'button', class: 'btn btn-secondary btn-small btn-danger' },
        'Supprimer', h('span', { class: 'sr-only' }, ` : ${doc.filename}`));
      remove.addEventListener('click', async () => {
        // eslint-disable-next-line no-alert
        if (!window.confirm(`Supprimer le document « ${doc.filename} » ?`)) return;
        try {
          await busy(remove, () => del(`${ENROLMENT}/documents/${enc(doc.document_id)}`), 'Suppression…');
          await load(`#${CSS.escape(line.headingId)}`, `Le document « ${doc.filename} » est supprimé.`);
        } catch (error) {
          showError(error);
        }
      });
    }
    return h('li', { class: `doc doc-${doc.status}` },
      h('p', { class: 'doc-name' }, doc.filename,
        doc.uploaded_at ? h('span', { class: 'doc-date' }, ` – envoyé le ${frenchDate(doc.uploaded_at)}`) : null),
      h('p', { class: 'doc-status' }, documentStatusText(doc)),
      h('div', { class: 'doc-actions' }, view, remove), outcome);
  }

  function uploadForm(line, label) {
    const p = `doc-${line.type}-${line.childId || 'famille'}`;
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Envoyer le document',
      h('span', { class: 'sr-only' }, ` : ${label}`));
    const form = h('form', { novalidate: true, class: 'upload-form' },
      errorSummary(),
      field({
        name: 'file', type: 'file', accept: ACCEPT, idPrefix: p, required: true,
        label: ['Choisir un fichier', h('span', { class: 'sr-only' }, ` : ${label}`)],
        hint: 'PDF, JPEG ou PNG, 10 Mo maximum.',
      }),
      h('div', { class: 'form-actions' }, submit));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const input = form.elements.namedItem('file');
      const chosen = input.files && input.files[0];
      let problem = null;
      const type = chosen && contentTypeOf(chosen);
      if (!chosen) problem = 'Choisissez le fichier à envoyer.';
      else if (!type) problem = WRONG_FORMAT;
      else if (chosen.size > MAX_BYTES) problem = TOO_LARGE;
      else if (chosen.size === 0) problem = 'Le fichier choisi est vide.';
      if (problem) {
        showErrors(form, { message: problem, fields: { file: problem } });
        return;
      }
      try {
        await busy(submit, async () => {
          const started = await post(`${ENROLMENT}/documents`, {
            type: line.type, child_id: line.childId || undefined, filename: chosen.name, content_type: type,
          });
          const documentId = started.document.document_id;
          try {
            await uploadToStorage(started.upload, chosen);
          } catch (error) {
            // Let the API forget the upload that never arrived.
            await post(`${ENROLMENT}/documents/${enc(documentId)}/confirm`).catch(() => null);
            throw error;
          }
          await post(`${ENROLMENT}/documents/${enc(documentId)}/confirm`);
        }, 'Envoi en cours…');
        clearErrors(form);
        await load(`#${CSS.escape(line.headingId)}`, `Le document « ${label} » est envoyé : il est en attente de vérification.`);
      } catch (error) {
        // Errors about the file itself (format, size, name) go under the file input.
        const fields = {};
        for (const [name, text] of Object.entries(error.fields || {})) {
          fields[['content_type', 'filename', 'type', 'file'].includes(name) ? 'file' : name] = text;
        }
        if (!Object.keys(fields).length) fields.file = error.message;
        showErrors(form, { message: error.message, fields });
      }
    });
    return form;
  }

  function lineItem(line, docs, childLabel) {
    line.headingId = `doc-${line.type}-${line.childId || 'famille'}-title`;
    const mine = docs.filter((d) => d.type === line.type && (d.child_id || null) === line.childId);
    const state = lineStatus(mine);
    const label = childLabel ? `${line.label} (${childLabel})` : line.label;
    const form = uploadForm(line, label);
    return h('li', { class: `card doc-line doc-line-${state}`, 'data-code': documentCode(line.type, line.childId) },
      h('article', { 'aria-labelledby': line.headingId },
        h('h3', { id: line.headingId, tabindex: '-1' }, line.label),
        line.kinds.length
          ? h('p', { class: 'doc-for' }, 'Obligatoire pour : ', line.kinds.map((k) => KINDS[k].label.toLowerCase()).join(', '))
          : null,
        h('p', { class: 'doc-line-status' }, 'Statut : ', h('span', { class: `status status-doc-${state}` }, LINE_STATUS[state])),
        mine.length ? h('ul', { class: 'docs', 'aria-label': `Fichiers transmis : ${label}` }, mine.map((d) => docItem(d, line))) : null,
        state === 'pending' || state === 'accepted'
          ? h('details', { class: 'upload-more' }, h('summary', {}, 'Envoyer un autre fichier'), form)
          : form));
  }

  function draw(file, requirements, editions) {
    const docs = file.documents || [];
    const groups = requiredLines(file, requirements, editions);
    const nodes = [];
    if (!(file.requests || []).length) {
      nodes.push(h('div', { class: 'callout callout-info' },
        h('p', {}, "Les documents obligatoires dépendent de l'accueil demandé. Faites d'abord votre demande de pré-inscription :"),
        h('ul', {}, Object.values(KINDS).map((k) => h('li', {}, h('a', { href: k.path }, k.title))))));
    }
    const shown = new Set();
    for (const groupItem of groups) {
      const child = (file.children || []).find((c) => c.child_id === groupItem.childId);
      const id = `docs-${groupItem.childId || 'famille'}`;
      nodes.push(h('section', { 'aria-labelledby': id },
        h('h2', { id }, groupItem.title),
        h('ul', { class: 'cards cards-wide' }, groupItem.lines.map((line) => {
          docs.filter((d) => d.type === line.type && (d.child_id || null) === line.childId).forEach((d) => shown.add(d.document_id));
          return lineItem(line, docs, child ? child.first_name : null);
        }))));
    }
    const others = docs.filter((d) => !shown.has(d.document_id));
    if (others.length) {
      nodes.push(h('section', { 'aria-labelledby': 'docs-others' },
        h('h2', { id: 'docs-others' }, 'Autres documents transmis'),
        h('ul', { class: 'docs' }, others.map((d) => {
          const child = (file.children || []).find((c) => c.child_id === d.child_id);
          const item = docItem(d, { headingId: 'docs-others' });
          item.prepend(h('p', { class: 'doc-type' }, h('strong', {}, d.label), child ? ` – ${child.first_name}` : ''));
          return item;
        }))));
    }
    return nodes;
  }

  load().catch((error) => {
    body.replaceChildren(alertBox('error', null, error.message));
    body.setAttribute('aria-busy', 'false');
  });

  return h('div', { class: 'documents' },
    accountCrumbs({ label: 'Mes documents' }),
    pageTitle('Mes documents'),
    h('p', { class: 'lead' }, "Déposez et retrouvez ici les documents que vous avez transmis à l'association : copie des vaccins, fiche sanitaire signée (à télécharger dans « ", h('a', { href: '/mon-compte/editions' }, 'Mes éditions'), ' »), contrat d\'accueil signé, attestation d\'assurance, justificatifs obligatoires.'),
    h('p', {}, 'Formats acceptés : PDF, JPEG ou PNG, 10 Mo maximum par fichier. Chaque document est vérifié par le responsable de la structure.'),
    status, body);
}
