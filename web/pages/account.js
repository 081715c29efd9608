// "/mon-compte" — the family's home: the nine tiles of the user guide.

import { h, pageTitle, breadcrumb } from '../ui.js';

// Names, subtitles and contents as in the association's guide.
const TILES = [
  {
    name: 'Mon profil', href: '/mon-compte/profil', subtitle: 'Accès à mes informations personnelles',
    text: 'Retrouvez ici toutes vos informations personnelles :',
    items: ['Modification de votre adresse mail', 'Modification du mot de passe', 'Adresse postale, téléphone, informations professionnelles etc.'],
  },
  {
    name: 'Mon foyer', subtitle: 'Accès aux informations de mon foyer',
    text: 'Retrouvez ici toutes vos informations personnelles :',
    items: ['Informations concernant votre conjoint(e)', 'Coordonnées de la famille / facturation', 'Informations complémentaires (régime allocataire, numéro allocataire etc.)'],
  },
  {
    name: 'Mes enfants', subtitle: 'Accès aux informations de mes enfants',
    text: 'Retrouvez ici toutes vos informations concernant vos enfants :',
    items: ['Informations concernant vos enfants (nom, prénom, date de naissance etc.)', 'Accès au dossier médical', 'Accès aux informations complémentaires (autorisations, etc.)'],
  },
  {
    name: 'Informations scolaires', subtitle: 'Accès aux informations scolaires de mes enfants',
    text: "Renseignez les informations scolaires de vos enfants inscrits dans l'une des écoles de nos territoires.",
    items: [],
  },
  {
    name: 'Pré-inscriptions périscolaire', subtitle: 'Accès aux pré-inscriptions',
    text: "Formulez votre demande d'inscription sur une Structure Enfance :",
    items: ["Choix de l'établissement", 'Informations supplémentaires'],
  },
  {
    name: 'Pré-inscriptions crèche', subtitle: 'Accès aux pré-inscriptions',
    text: 'Formulez votre demande de pré-inscription sur une Structure Petite Enfance :',
    items: ["Choix de l'établissement", 'Programmation semaine', 'Informations supplémentaires'],
  },
  {
    name: 'Pré-inscriptions séjours', subtitle: 'Accès aux pré-inscriptions',
    text: 'Formulez votre demande de pré-inscription pour un ou plusieurs séjours de vacances :',
    items: ['Choix du ou des séjours', 'Informations supplémentaires'],
  },
  {
    name: 'Mes éditions', subtitle: "Accès aux éditions mises à disposition par l'association",
    text: 'Téléchargez les documents mis à disposition :',
    items: ['Fiche sanitaire à imprimer, signer et déposer via « mes documents »', "Contrat d'accueil à imprimer, signer et déposer via « mes documents » après validation par la commission d'attribution des places"],
  },
  {
    name: 'Mes documents', subtitle: 'Accès et transmission de mes documents',
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

export function render({ account }) {
  return h('div', { class: 'account-page' },
    breadcrumb([{ label: 'Accueil', href: '/' }, { label: 'Mon compte' }]),
    pageTitle('Mon compte'),
    h('p', { class: 'lead' }, `Bonjour ${account.first_name || ''},`.replace(' ,', ',')),
    h('p', {}, 'Lors de votre première connexion, complétez chacune des rubriques de votre espace personnel. ',
      "Les champs marqués d'un * sont obligatoires. Si une mention ou un document obligatoire n'est pas renseigné, vous ne pourrez pas valider."),
    h('div', { class: 'callout callout-info' },
      h('p', {}, h('strong', {}, 'Mon compte doit être validé par le responsable de la structure pour me permettre d\'accéder au planning de réservation.')),
      h('p', {}, 'Un mail automatique me sera adressé dès que la validation sera effective. L\'onglet « Mon planning » apparaîtra alors dans mon espace.'),
      h('p', {}, 'N\'oubliez pas de revenir sur votre portail pour compléter votre planning : si votre planning n\'est pas saisi, votre demande ne pourra pas être traitée.')),
    h('ul', { class: 'tiles', 'aria-label': 'Mon espace personnel' }, TILES.map(tile)));
}
