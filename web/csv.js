// CSV export of the staff's lists, made in the browser from what the page already shows: semicolon
// separated with a BOM (what a French spreadsheet opens correctly), every cell quoted. A cell a spreadsheet
// would run as a formula (starting with =, +, -, @, a tab or a carriage return: OWASP « CSV injection »)
// gets a leading apostrophe, so a name typed by a family never becomes a formula on a staff computer.

const FORMULA_START = /^[=+\-@\t\r]/;

/** The text of a cell as written to the file: formulas made inert. */
export const inert = (value) => {
  const text = String(value ?? '');
  return FORMULA_START.test(text) ? `'${text}` : text;
};

const cell = (value) => `"${inert(value).replace(/"/g, '""')}"`;

export function toCsv(headers, rows) {
  return `\ufeff${[headers, ...rows].map((row) => row.map(cell).join(';')).join('\r\n')}\r\n`;
}

/** Offer `rows` (arrays of cells) as a CSV file named `filename`. */
export function downloadCsv(filename, headers, rows) {
  const blob = new Blob([toCsv(headers, rows)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** "+33612345678" → "06 12 34 56 78" (other numbers as they are). */
export function frenchPhone(value) {
  const match = /^\+33(\d{9})$/.exec(value || '');
  return match ? `0${match[1]}`.replace(/(\d{2})(?=\d)/g, '$1 ') : (value || '');
}

/** A button that exports what `collect()` returns ({ filename, headers, rows }) as CSV. */
export function csvButton(label, collect) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'btn btn-secondary csv-export';
  button.textContent = label;
  button.addEventListener('click', () => {
    const { filename, headers, rows } = collect();
    downloadCsv(filename, headers, rows);
  });
  return button;
}
