// "/mon-compte" — the family's home: where each request stands, the nine
// tiles of the user guide, and the reminder about "Mon planning" (its tile
// appears once a request is validated, as the guide says).

import { h, pageTitle, breadcrumb } from '../ui.js';
import { loadFamily, requestTitle, STATUS, KINDS } from '../family-file.js';

// Names, subtitles and contents as in the association's guide.
const TILES = [
  {
    name: 'Mon profil', href: '/mon-compte/profil', subtitle: 'Accès à mes informations personnelles',
    text: 'Retrouvez ici toutes vos informations personnelles :',
    items: ['Modification de votre adresse mail', 'Modification du mot de passe', 'Adresse postale, téléphone, informations professionnelles etc.'],
  },
  {
    name: 'Mon foyer', href: '/mon-compte/foyer', subtitle: 'Accès aux informations de mon foyer',
    text: 'Retrouvez ici toutes vos informations personnelles :',
    items: ['Informations concernant votre conjoint(e)', 'Coordonnées de la famille / facturation', 'Informations complémentaires (régime allocataire, numéro allocataire etc.)'],
  },
  {
    name: 'Mes enfants', href: '/mon-compte/enfants', subtitle: 'Accès aux informations de mes enfants',
    text: 'Retrouvez ici toutes vos informations concernant vos enfants :',
    items: ['Informations concernant vos enfants (nom, prénom, date de naissance etc.)', 'Accès au dossier médical', 'Accès aux informations complémentaires (autorisations, etc.)'],
  },
  {
    name: 'Informations scolaires', href: '/mon-compte/scolarite', subtitle: 'Accès aux informations scolaires de mes enfants',
    text: "Renseignez les informations scolaires de vos enfants inscrits dans l'une des écoles de nos territoires.",
    items: [],
  },
  {
    name: 'Pré-inscriptions périscolaire', href: '/mon-compte/preinscriptions/periscolaire', subtitle: 'Accès aux pré-inscriptions',
    text: "Formulez votre demande d'inscription sur une Structure Enfance :",
    items: ["Choix de l'établissement", 'Informations supplémentaires'],
  },
  {
    name: 'Pré-inscriptions crèche', href: '/mon-compte/preinscriptions/creche', subtitle: 'Accès aux pré-inscriptions',
    text: 'Formulez votre demande de pré-inscription sur une Structure Petite Enfance :',
    items: ["Choix de l'établissement", 'Programmation semaine', 'Informations supplémentaires'],
  },
  {
    name: 'Pré-inscriptions séjours', href: '/mon-compte/preinscriptions/sejours', subtitle: 'Accès aux pré-inscriptions',
    text: 'Formulez votre demande de pré-inscription pour un ou plusieurs séjours de vacances :',
    items: ['Choix du ou des séjours', 'Informations supplémentaires'],
  },
  {
    name: 'Mes éditions', href: '/mon-compte/editions', subtitle: "Accès aux éditions mises à disposition par l'association",
    text: 'Téléchargez les documents mis à disposition :',
    items: ['Fiche sanitaire à imprimer, signer et déposer via « mes documents »', "Contrat d'accueil à imprimer, signer et déposer via « mes documents » après validation par la commission d'attribution des places"],
  },
  {
    name: 'Mes documents', href: '/mon-compte/documents', subtitle: 'Accès et transmission de mes documents',
    text: "Déposez et retrouvez ici les documents que vous avez transmis à l'association :",
    items: ['Copie des vaccins', 'Fiche sanitaire signée à télécharger dans « mes éditions »', "Contrat d'accueil signé", "Attestation d'assurance", 'Justificatifs obligatoires'],
  },
];

function tile(t, i) {
  const id = `tile-${i}`;
  const title = t.href
    ? h('h2', { id }, h('a', { href: t.href, class: 'tile-link' }, t.name))
    : h('h2', { id }, t.name);
  return h('li', { class: `tile${t.href ? ' tile-active' : ' tile-soon'}` },
    h('article', { 'aria-labelledby': id },
      title,
      h('p', { class: 'tile-subtitle' }, t.subtitle),
      t.href ? null : h('p', { class: 'badge' }, 'Bientôt disponible'),
      h('p', {}, t.text),
      t.items.length ? h('ul', {}, t.items.map((item) => h('li', {}, item))) : null));
}

/** One line per request: "Périscolaire – Léa : transmise, en attente de validation". */
function requestsSummary(file) {
  if (!file) return null;
  const requests = file.requests || [];
  const pending = file.pending_changes || [];
  if (!requests.length && !pending.length) return null;
  return h('section', { class: 'summary', 'aria-labelledby': 'summary-title' },
    h('h2', { id: 'summary-title' }, 'Où en sont mes demandes ?'),
    requests.length
      ? h('ul', { class: 'summary-list' }, requests.map((r) => h('li', { class: `summary-${r.status}` },
        h('a', { href: (KINDS[r.kind] || {}).path || '/mon-compte' }, requestTitle(r)),
        ' : ', (STATUS[r.status] || { short: r.status }).short,
        r.status === 'returned' && r.staff_message ? ` – « ${r.staff_message} »` : null)))
      : null,
    pending.length
      ? h('p', {}, 'Modifications en attente de validation par le responsable de la structure : ',
        pending.map((c) => c.label).join(', '), '.')
      : null);
}

const PLANNING_TILE = {
  name: 'Mon planning', href: '/mon-compte/planning', subtitle: 'Accès à mon planning de réservation',
  text: 'Saisissez et suivez vos réservations :',
  items: ['Agenda du mois et nouvelles présences (« Ajouter »)', "Historique de mes demandes", "Demande d'annulation d'une plage d'accueil"],
};

export async function render({ account }) {
  let file = null;
  try {
    file = await loadFamily();
  } catch {
    file = null; // the tiles still show; each screen explains its own problem
  }
  const validated = Boolean(file && file.validated);
  const planningOpen = Boolean(file && (file.requests || []).some((r) => r.status === 'validated'));
  const tiles = planningOpen ? [PLANNING_TILE, ...TILES] : TILES;
  return h('div', { class: 'account-page' },
    breadcrumb([{ label: 'Accueil', href: '/' }, { label: 'Mon compte' }]),
    pageTitle('Mon compte'),
    h('p', { class: 'lead' }, `Bonjour ${account.first_name || ''},`.replace(' ,', ',')),
    h('p', {}, 'Lors de votre première connexion, complétez chacune des rubriques de votre espace personnel. ',
      "Les champs marqués d'un * sont obligatoires. Si une mention ou un document obligatoire n'est pas renseigné, vous ne pourrez pas valider."),
    requestsSummary(file),
    validated || planningOpen
      ? h('div', { class: 'callout callout-info' },
        h('p', {}, h('strong', {}, 'Votre compte est validé par le responsable de la structure.')),
        h('p', {}, "L'onglet « Mon planning » vous permet de saisir votre planning de réservation. N'oubliez pas : si votre planning n'est pas saisi, votre demande ne pourra pas être traitée."),
        h('p', {}, h('a', { href: '/mon-compte/planning', class: 'btn btn-primary' }, 'Accéder à mon planning')))
      : h('div', { class: 'callout callout-info' },
        h('p', {}, h('strong', {}, 'Mon compte doit être validé par le responsable de la structure pour me permettre d\'accéder au planning de réservation.')),
        h('p', {}, 'Un mail automatique me sera adressé dès que la validation sera effective. L\'onglet « Mon planning » apparaîtra alors dans mon espace.'),
        h('p', {}, 'N\'oubliez pas de revenir sur votre portail pour compléter votre planning : si votre planning n\'est pas saisi, votre demande ne pourra pas être traitée.')),
    h('ul', { class: 'tiles', 'aria-label': 'Mon espace personnel' }, tiles.map(tile)));
}
