// "/" — what the portal is, and the two ways in.

import { h } from '../ui.js';
import { homeFor } from '../session.js';

export function render({ account }) {
  const actions = account
    ? h('p', { class: 'actions' }, h('a', { class: 'btn btn-primary', href: homeFor(account) }, 'Accéder à mon espace'))
    : h('p', { class: 'actions' },
      h('a', { class: 'btn btn-primary', href: '/inscription' }, 'Créer mon compte'),
      h('a', { class: 'btn btn-secondary', href: '/connexion' }, 'Se connecter'));

  return h('div', { class: 'home' },
    h('section', { class: 'hero', 'aria-labelledby': 'home-title' },
      h('h1', { id: 'home-title', tabindex: '-1' }, 'Bienvenue sur le Portail Familles'),
      h('p', { class: 'lead' },
        "Le Portail Familles vous permet de demander l'accueil de vos enfants dans les structures de l'association : accueil périscolaire, crèche et séjours de vacances."),
      actions),
    h('section', { class: 'steps', 'aria-labelledby': 'how-title' },
      h('h2', { id: 'how-title' }, 'Comment ça marche ?'),
      h('ol', { class: 'how-list' },
        h('li', {}, h('strong', {}, 'Je crée mon compte'),
          " en complétant les 5 étapes, puis je confirme mon adresse e-mail grâce au lien reçu par mail."),
        h('li', {}, h('strong', {}, 'Je complète mon espace personnel'),
          ' : mon profil, mon foyer, mes enfants, les informations scolaires, mes pré-inscriptions et mes documents.'),
        h('li', {}, h('strong', {}, 'Je saisis mon planning'),
          ' dans « Mon planning », une fois mon compte validé par le responsable de la structure.'))),
    h('p', { class: 'pro-link' },
      h('a', { href: '/gestion/connexion' }, 'Espace professionnel')));
}
