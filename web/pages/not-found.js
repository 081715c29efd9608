// Any unknown path.

import { h, pageTitle } from '../ui.js';

export function render() {
  return h('div', {},
    pageTitle('Page introuvable'),
    h('p', {}, "La page que vous cherchez n'existe pas ou a été déplacée."),
    h('p', {}, h('a', { href: '/' }, "Revenir à l'accueil")));
}
