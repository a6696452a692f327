// zod issues turned into 400 errors that name each offending field.
import { z } from "zod";
import { ApiError, invalidRequest } from "../errors";

/** Issues listed in one error message; the rest are counted. */
const MAX_LISTED_ISSUES = 20;

type Issue = z.core.$ZodIssue;

/** The path of an issue about the whole request body. */
const ROOT = "(body)";

function pathOf(path: readonly PropertyKey[], prefix: string): string {
  let text = prefix;
  for (const part of path) {
    text += typeof part === "number" ? `[${part}]` : text === "" ? String(part) : `.${String(part)}`;
  }
  return text === "" ? ROOT : text;
}

/**
 * Picks the issues to report for a union: those of the branch that got past the
 * type check, when exactly one did, so `{name: 5}` reports `name` and not the union.
 */
function unionIssues(issue: Issue): Issue[] | null {
  if (issue.code !== "invalid_union" || !Array.isArray(issue.errors)) return null;
  const typed = issue.errors.filter((branch) => !branch.some((inner) => inner.code === "invalid_type" && inner.path.length === 0));
  if (typed.length !== 1) return null;
  return typed[0].map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }) as Issue);
}

function flatten(issues: readonly Issue[]): Issue[] {
  return issues.flatMap((issue) => {
    const inner = unionIssues(issue);
    return inner ? flatten(inner) : [issue];
  });
}

/** Describes one issue, keeping zod's message where it already names the expected value. */
function describe(issue: Issue): string {
  if (issue.code === "unrecognized_keys") {
    return `unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(", ")}; remove them or check the spelling`;
  }
  if (issue.code === "invalid_type" && / received undefined$/.test(issue.message)) {
    return `required field is missing (expected ${issue.expected})`;
  }
  return issue.message;
}

/** Turns zod issues into one 400 that names every offending field. */
export function validationError(error: z.ZodError, prefix = ""): ApiError {
  const issues = flatten(error.issues);
  const problems = issues.map((issue) => {
    const where = pathOf(issue.path, prefix);
    return where === ROOT ? `request body: ${describe(issue)}` : `${where}: ${describe(issue)}`;
  });
  const shown = problems.slice(0, MAX_LISTED_ISSUES).join("; ");
  const more = problems.length > MAX_LISTED_ISSUES ? `; and ${problems.length - MAX_LISTED_ISSUES} more` : "";

  const first = issues[0];
  let param = first ? pathOf(first.path, prefix) : undefined;
  if (first?.code === "unrecognized_keys" && first.keys.length > 0) param = pathOf([...first.path, first.keys[0]], prefix);

  return invalidRequest("invalid_request", `Invalid request: ${shown}${more}.`, param, { problems: problems.slice(0, 100) });
}

/** Parses a value with a schema, throwing a 400 that names the field on failure. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, prefix = ""): T {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, prefix);
  return result.data;
}
