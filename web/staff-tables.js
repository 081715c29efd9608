// Staff screens on a phone (390 px): a table with many columns would hide its action columns in a
// horizontal scroller. Under /gestion, every data table is marked "stack-table": below 600 px its rows
// become cards (assets/staff-tables.css) whose cells say their column (data-label, from the header),
// and explicit roles keep the table's semantics for assistive technology once CSS changes its display.

const HEADER_CELLS = 'thead th, thead td';

function label(table) {
  if (table.classList.contains('stack-table')) return;
  const headers = [...table.querySelectorAll(HEADER_CELLS)].map((cell) => cell.textContent.trim());
  if (!headers.length) return;
  table.classList.add('stack-table');
  table.setAttribute('role', 'table');
  for (const group of table.querySelectorAll('thead, tbody')) group.setAttribute('role', 'rowgroup');
  for (const row of table.querySelectorAll('tr')) {
    row.setAttribute('role', 'row');
    let column = 0;
    for (const cell of row.children) {
      const inHead = row.parentElement && row.parentElement.tagName === 'THEAD';
      if (inHead) cell.setAttribute('role', 'columnheader');
      else if (cell.tagName === 'TH') cell.setAttribute('role', 'rowheader');
      else cell.setAttribute('role', 'cell');
      if (!inHead && headers[column]) cell.dataset.label = headers[column];
      column += Number(cell.getAttribute('colspan') || 1);
    }
  }
}

function scan(root) {
  if (!window.location.pathname.startsWith('/gestion')) return;
  for (const table of root.querySelectorAll('table')) label(table);
}

const main = document.getElementById('contenu');
if (main) {
  new MutationObserver(() => scan(main)).observe(main, { childList: true, subtree: true });
  scan(main);
}
