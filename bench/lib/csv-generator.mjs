// Generates the ingest benchmark's CSV: a header and `rows` records that together come to
// about `totalBytes` UTF-8 bytes. Every text cell is quoted and contains commas. Some also
// contain doubled quotes, line breaks (LF and CRLF) and non-ASCII text (accents, CJK,
// emoji). The output is the same for the same arguments.
import { once } from "node:events";
import { createWriteStream } from "node:fs";

const WORDS = [
  "Überweisung", "zurück", "café", "naïve", "façade", "Ångström", "señal", "año", "Zürich", "Kraków",
  "Łódź", "çalışma", "日本語", "東京", "카드", "подтверждение", "κάρτα", "préstamo", "crème brûlée",
  "card", "refund", "transfer", "pending", "balance", "top-up", "exchange", "rate", "fee", "ATM", "PIN",
  "🙂", "💳", "€42,50", "£7.99", "¥1,000", "Müller & Söhne", "O'Brien", "d'Arc", "«quoted»", "„so“",
];
const CITIES = ["Zürich", "São Paulo", "Kraków", "Reykjavík", "Malmö", "Düsseldorf", "Ōsaka", "Besançon", "Lyon", "Oslo"];

/** A small seeded generator (mulberry32), so runs read the same file. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds one record's text cell, already quoted, of roughly `targetBytes` bytes. */
function textCell(random, targetBytes) {
  const parts = [];
  let bytes = 2;
  while (bytes < targetBytes) {
    const roll = random();
    let piece;
    if (roll < 0.04) piece = '""quoted""';
    else if (roll < 0.07) piece = "\n";
    else if (roll < 0.08) piece = "\r\n";
    else piece = WORDS[Math.floor(random() * WORDS.length)];
    const separator = parts.length === 0 ? "" : random() < 0.3 ? ", " : " ";
    parts.push(separator + piece);
    bytes += Buffer.byteLength(separator + piece);
  }
  // Every cell contains at least one comma, so every cell needs its quotes.
  return `"${parts.join("")}, end"`;
}

/**
 * Writes the CSV to `file`. Resolves with its size in bytes, its record count and how many
 * records contain line breaks, doubled quotes and non-ASCII characters. Each record aims
 * at the bytes still unused divided by the records still to write, so the file lands just
 * under `totalBytes`.
 */
export async function generateCsv(file, { rows, totalBytes, seed = 77 }) {
  const random = seededRandom(seed);
  const out = createWriteStream(file);
  let buffer = "id,text,city,amount\n";
  let bytes = Buffer.byteLength(buffer);
  const counts = { with_line_breaks: 0, with_quotes: 0, with_non_ascii: 0 };
  for (let i = 1; i <= rows; i++) {
    const amount = (random() * 10_000).toFixed(2);
    const city = CITIES[Math.floor(random() * CITIES.length)];
    const prefix = `${i},`;
    const suffix = `,${city},${amount}\n`;
    const budget = (totalBytes - bytes) / (rows - i + 1);
    // Cells overshoot their target by about half a word, and ", end" adds 5 bytes.
    const target = budget - Buffer.byteLength(prefix + suffix) - 9 + Math.floor((random() - 0.5) * 30);
    const cell = textCell(random, Math.max(4, target));
    const record = prefix + cell + suffix;
    if (cell.includes("\n")) counts.with_line_breaks++;
    if (cell.includes('""')) counts.with_quotes++;
    if (/[^\x00-\x7f]/.test(record)) counts.with_non_ascii++;
    bytes += Buffer.byteLength(record);
    buffer += record;
    if (buffer.length > 1 << 16) {
      if (!out.write(buffer)) await once(out, "drain");
      buffer = "";
    }
  }
  out.end(buffer);
  await once(out, "finish");
  return { bytes, rows, ...counts };
}
