// CSV cells and rows per RFC 4180, with spreadsheet formula neutralisation.
//
// A text cell whose first character is = + - @ TAB or CR is run as a formula by Excel
// and LibreOffice, so such a cell gets a leading apostrophe. Cells that already start
// with apostrophes before such a character get one more, so removing one leading
// apostrophe from every cell matching /^'+[=+\-@\t\r]/ gives back the exact original.
// JSON numbers are written as numbers and never prefixed, but numeric-looking strings are.

const FORMULA_START = /^'*[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** Returns a text value made safe to open in a spreadsheet. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** Reverses neutraliseFormula for a cell read back from a download. */
export function restoreFormula(cell: string): string {
  return /^'+[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

/** Turns one value into cell text: null is empty, nested values are JSON text. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return neutraliseFormula(value);
  return JSON.stringify(value);
}

/** Quotes a cell when it contains a delimiter, a quote or a line break, or was neutralised. */
export function quoteCell(text: string): string {
  if (NEEDS_QUOTES.test(text) || text.startsWith("'")) return `"${text.replaceAll('"', '""')}"`;
  return text;
}

/** Formats one CSV record, ending in CRLF. */
export function csvRow(values: readonly unknown[]): string {
  return `${values.map((value) => quoteCell(cellText(value))).join(",")}\r\n`;
}
