// zod issues turned into 400 errors that name each offending field.
import { z } from "zod";
import { ApiError, invalidRequest } from "../errors";

function pathOf(path: readonly PropertyKey[], prefix: string): string {
  let text = prefix;
  for (const part of path) {
    text += typeof part === "number" ? `[${part}]` : text === "" ? String(part) : `.${String(part)}`;
  }
  return text === "" ? "(body)" : text;
}

/** Turns zod issues into one 400 that names every offending field. */
export function validationError(error: z.ZodError, prefix = ""): ApiError {
  const problems = error.issues.slice(0, 20).map((issue) => {
    const where = pathOf(issue.path, prefix);
    if (issue.code === "unrecognized_keys") {
      return `${where}: unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(", ")}; remove them or check the spelling`;
    }
    return `${where}: ${issue.message}`;
  });
  const first = error.issues[0];
  return invalidRequest("invalid_request", `Invalid request: ${problems.join("; ")}.`, first ? pathOf(first.path, prefix) : undefined, {
    problems,
  });
}

/** Parses a value with a schema, throwing a 400 that names the field on failure. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, prefix = ""): T {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, prefix);
  return result.data;
}
