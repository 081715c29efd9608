// "/mon-compte/editions" — Mes éditions: the health form of each child, and the
// welcome contract once the placement committee has accepted a request. The
// PDF is fetched with the bearer token and offered as a download (blob URL).

import { api, fetchFile } from '../api.js';
import { h, pageTitle, busy, alertBox, statusRegion, announce } from '../ui.js';
import { ENROLMENT, loadFamily, accountCrumbs } from '../family-file.js';

const enc = encodeURIComponent;

function slug(text) {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'document';
}

/** Save a blob under `filename` through a temporary link (download attribute). */
function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function editionItem(edition, title, fallbackName, status) {
  const id = `edition-${edition.kind}-${edition.edition_id}`;
  const path = `${ENROLMENT}/editions/${edition.kind}/${enc(edition.edition_id)}`;
  const outcome = h('div');
  const download = h('button', { type: 'button', class: 'btn btn-primary' },
    'Télécharger', h('span', { class: 'sr-only' }, ` : ${title}`), ' (PDF)');
  download.addEventListener('click', async () => {
    outcome.replaceChildren();
    try {
      const { blob, filename } = await busy(download, () => fetchFile(path), 'Préparation du document…');
      saveBlob(blob, filename || fallbackName);
      announce(status, 'success', null, `« ${title} » est téléchargé(e).`);
    } catch (error) {
      const alert = alertBox('error', null, error.message);
      alert.tabIndex = -1;
      outcome.replaceChildren(alert);
      alert.focus();
    }
  });
  return h('li', { class: 'card' }, h('article', { 'aria-labelledby': id },
    h('h3', { id }, title),
    edition.kind === 'health_form'
      ? h('p', {}, 'Pré-remplie avec le dossier de votre enfant : à imprimer, signer et déposer via « ', h('a', { href: '/mon-compte/documents' }, 'Mes documents'), ' ».')
      : h('p', {}, 'À imprimer, signer et déposer via « ', h('a', { href: '/mon-compte/documents' }, 'Mes documents'), ' ».'),
    h('div', { class: 'actions' }, download), outcome));
}

export async function render() {
  const [file, editions] = await Promise.all([loadFamily(), api(`${ENROLMENT}/editions`)]);
  const items = Array.isArray(editions) ? editions : (editions && editions.items) || [];
  const children = file.children || [];
  const status = statusRegion();
  const firstName = (childId) => (children.find((c) => c.child_id === childId) || {}).first_name || '';

  const forms = items.filter((e) => e.kind === 'health_form' && e.available !== false);
  const contracts = items.filter((e) => e.kind === 'welcome_contract' && e.available);

  return h('div', { class: 'editions' },
    accountCrumbs({ label: 'Mes éditions' }),
    pageTitle('Mes éditions'),
    h('p', { class: 'lead' }, "Téléchargez les documents mis à disposition par l'association."),
    status,
    h('section', { 'aria-labelledby': 'editions-health' },
      h('h2', { id: 'editions-health' }, 'Fiches sanitaires'),
      forms.length
        ? h('ul', { class: 'cards' }, forms.map((e) => {
          const name = firstName(e.child_id);
          const title = name ? `Fiche sanitaire de ${name}` : e.label;
          return editionItem(e, title, `fiche-sanitaire-${slug(name || 'enfant')}.pdf`, status);
        }))
        : h('p', {}, 'La fiche sanitaire de chaque enfant sera disponible ici dès que vous aurez ajouté vos enfants dans « ',
          h('a', { href: '/mon-compte/enfants' }, 'Mes enfants'), ' ».')),
    h('section', { 'aria-labelledby': 'editions-contract' },
      h('h2', { id: 'editions-contract' }, "Contrat d'accueil"),
      contracts.length
        ? h('ul', { class: 'cards' }, contracts.map((e) => editionItem(e, e.label || "Contrat d'accueil", `contrat-accueil-${slug(firstName(e.child_id) || 'enfant')}.pdf`, status)))
        : h('p', {}, "Le contrat d'accueil sera disponible ici après la décision de la commission d'attribution des places. Vous devrez l'imprimer, le signer et le déposer via « Mes documents ».")));
}
