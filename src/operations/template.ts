// Prompt templates: `{name}` placeholders filled from an item's fields in one pass.
// Only `{identifier}` is a placeholder, so JSON examples and other braces stay literal;
// `{{name}}` writes a literal `{name}`.
import { invalidRequest } from "../errors";
import type { PreparedItem } from "./items";

const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Returns the placeholder names a template uses, in order of first use. */
export function placeholdersOf(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match[2] !== undefined) names.add(match[2]);
  }
  return [...names];
}

/** The values a template can use for one item: its text, its id and its metadata. */
export function templateFields(item: PreparedItem): Record<string, unknown> {
  return { ...item.metadata, text: item.text, id: item.id };
}

/** Renders a value for a prompt: null as an empty string, objects as JSON. */
export function renderValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Fills a template. Callers check placeholders first, so a missing field cannot occur here. */
export function renderTemplate(template: string, fields: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (whole, escaped: string | undefined, name: string | undefined) => {
    if (escaped !== undefined) return `{${escaped}}`;
    return Object.hasOwn(fields, name!) ? renderValue(fields[name!]) : whole;
  });
}

/** Lists, per placeholder, the indexes of items that lack it. */
export function missingPlaceholders(templates: string[], items: PreparedItem[]): Map<string, number[]> {
  const missing = new Map<string, number[]>();
  const names = new Set(templates.flatMap(placeholdersOf));
  for (const item of items) {
    const fields = templateFields(item);
    for (const name of names) {
      if (!Object.hasOwn(fields, name)) missing.set(name, [...(missing.get(name) ?? []), item.index]);
    }
  }
  return missing;
}

/** Rejects a request whose templates use fields that some or all items lack. */
export function assertPlaceholdersFilled(templates: string[], items: PreparedItem[]): void {
  const missing = missingPlaceholders(templates, items);
  if (missing.size === 0) return;

  const available = [...new Set(items.flatMap((item) => Object.keys(templateFields(item))))].sort();
  const unknown = [...missing].filter(([, indexes]) => indexes.length === items.length).map(([name]) => name);
  const partial = [...missing].filter(([, indexes]) => indexes.length < items.length);
  const parts: string[] = [];
  if (unknown.length > 0) {
    parts.push(`unknown placeholder(s) ${unknown.map((n) => `{${n}}`).join(", ")}: no item has these fields`);
  }
  for (const [name, indexes] of partial) {
    const shown = indexes.slice(0, 20).join(", ") + (indexes.length > 20 ? ", ..." : "");
    parts.push(`placeholder {${name}} missing in items [${shown}]`);
  }
  throw invalidRequest(
    "missing_placeholder",
    `${parts.join("; ")}. Available fields: ${available.join(", ")}. Placeholders are case-sensitive; write {{name}} for a literal {name}.`,
    "user_prompt_template",
    { unknown, missing: Object.fromEntries(partial), available },
  );
}
