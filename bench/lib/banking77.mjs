// The banking77 walk-through dataset (examples/banking77) as benchmark input.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import Papa from "papaparse";
import { z } from "zod";
import { banking77Categories, banking77Csv, scratchDir } from "./paths.mjs";

const RowSchema = z.object({ text: z.string().min(1), category: z.string() });
const CategoriesSchema = z.array(z.string().min(1)).min(1);

/** Returns the dataset's rows, `{text, category}`, in file order. */
export function readBanking77() {
  const parsed = Papa.parse(readFileSync(banking77Csv, "utf8"), { header: true, skipEmptyLines: true });
  if (parsed.errors.length > 0) throw new Error(`${banking77Csv}: ${parsed.errors[0].message} (row ${parsed.errors[0].row})`);
  return parsed.data.map((row) => RowSchema.parse(row));
}

/** Returns the 77 intent names. */
export function readBanking77Categories() {
  return CategoriesSchema.parse(JSON.parse(readFileSync(banking77Categories, "utf8")));
}

/**
 * Writes a CSV of `count` rows (`id,text,category`), repeating the dataset's rows in order
 * as often as needed, and returns its path. Ids are `q<row number>`, so repeats stay distinct.
 */
export function writeRepeatedCsv(count) {
  const rows = readBanking77();
  const records = Array.from({ length: count }, (_, i) => ({ id: `q${i + 1}`, ...rows[i % rows.length] }));
  mkdirSync(scratchDir, { recursive: true });
  const file = path.join(scratchDir, `banking77-${count}.csv`);
  writeFileSync(file, Papa.unparse(records, { columns: ["id", "text", "category"], newline: "\n" }));
  return file;
}
