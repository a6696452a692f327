// Matching model answers to a category set. Normalisation is limited to trimming,
// surrounding quotes, markdown emphasis, a trailing period, a whole-message code
// fence and case-folding; the result must then equal exactly one category.

const WRAPPERS: Array<[string, string]> = [
  ['"', '"'],
  ["'", "'"],
  ["“", "”"],
  ["‘", "’"],
  ["`", "`"],
  ["**", "**"],
  ["__", "__"],
  ["*", "*"],
  ["_", "_"],
];

/** Strips wrappers and a trailing period until nothing more changes. */
export function normaliseAnswer(raw: string): string {
  let text = raw.trim();
  const fenced = /^```[a-zA-Z]*\s*\n?([\s\S]*?)\n?```$/.exec(text);
  if (fenced) text = fenced[1].trim();

  let previous = "";
  while (previous !== text) {
    previous = text;
    if (text.endsWith(".")) text = text.slice(0, -1).trim();
    for (const [open, close] of WRAPPERS) {
      if (text.length >= open.length + close.length && text.startsWith(open) && text.endsWith(close)) {
        text = text.slice(open.length, text.length - close.length).trim();
      }
    }
  }
  return text;
}

export function foldCase(text: string): string {
  return text.normalize("NFC").toLocaleLowerCase("en-US");
}

/** Looks up categories by their folded spelling and returns the canonical one. */
export class CategoryIndex {
  private readonly byFolded = new Map<string, string>();

  constructor(readonly names: readonly string[]) {
    for (const name of names) this.byFolded.set(foldCase(normaliseAnswer(name)), name);
  }

  /** Returns the canonical category for an answer, or undefined when none equals it. */
  match(answer: string): string | undefined {
    return this.byFolded.get(foldCase(normaliseAnswer(answer)));
  }
}

/** Returns the names that collide once folded, for rejecting an ambiguous category set. */
export function collidingNames(names: readonly string[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const name of names) {
    const key = foldCase(normaliseAnswer(name));
    groups.set(key, [...(groups.get(key) ?? []), name]);
  }
  return [...groups.values()].filter((group) => group.length > 1);
}

/** Splits a multi-label answer: a JSON array, bullet lines, or a comma/semicolon list. */
export function splitLabelList(raw: string): string[] {
  let text = raw.trim();
  const fenced = /^```[a-zA-Z]*\s*\n?([\s\S]*?)\n?```$/.exec(text);
  if (fenced) text = fenced[1].trim();

  if (text.startsWith("[")) {
    try {
      const parsed = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map((value) => String(value));
    } catch {
      // Not JSON after all: fall through to the plain-text forms.
    }
  }
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
  if (lines.length > 1) return lines.map((line) => line.replace(/^([-*•]|\d+[.)])\s+/, ""));
  return text.split(/[,;]/).map((part) => part.replace(/^([-*•]|\d+[.)])\s+/, "").trim()).filter((part) => part.length > 0);
}
