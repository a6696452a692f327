// /api/files: upload (raw body or multipart/form-data), list, get and delete files.
import { Hono, type Context } from "hono";
import { z } from "zod";
import { DEFAULT_FILE_PAGE_SIZE, MAX_FILE_PAGE_SIZE, MAX_MULTIPART_OVERHEAD_BYTES, MAX_UPLOAD_BYTES } from "../config/limits";
import { invalidRequest, notFound } from "../errors";
import { cleanFilename, mediaTypeOf } from "../ingest/format";
import { iterateStream } from "../ingest/bytes";
import { boundaryOf, MultipartReader, type FormPart } from "../ingest/multipart";
import { declaredTooLarge } from "../ingest/store";
import { FILE_FORMATS } from "../ingest/types";
import { DEFAULT_TENANT, ingestUpload, type UploadOptions } from "../ingest/upload";
import { parseWith } from "../lib/validation";
import { deleteFileRow, findFile, listFiles, toStoredFile, type FileCursor } from "../storage/files";
import type { FileRow } from "../storage/schema/files";
import { errorFields } from "../log/logger";
import type { AppEnv } from "./context";

const UploadOptionsSchema = z.strictObject({
  format: z.enum(FILE_FORMATS, { error: `must be one of ${FILE_FORMATS.join(", ")}` }).optional(),
  delimiter: z.string().min(1).optional(),
  charset: z.string().min(1).max(64).optional(),
  filename: z.string().min(1).max(255).optional(),
});
type UploadQuery = z.infer<typeof UploadOptionsSchema>;

const ListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_FILE_PAGE_SIZE).optional(),
  cursor: z.string().min(1).optional(),
});

const CursorSchema = z.tuple([z.string(), z.string()]);

/** Form fields accepted before the file part, with the same meaning as the query parameters. */
const FORM_OPTION_FIELDS = new Set(["format", "delimiter", "charset", "filename"]);

/** Builds the public JSON form of a file, which leaves out the tenant and the storage key. */
export function fileObject(row: FileRow) {
  const { id, tenant_id: _tenant, r2_key: _key, ...metadata } = toStoredFile(row);
  return { id, object: "file", ...metadata, skipped_lines: row.skippedLines };
}

function encodeCursor(row: FileRow): string {
  return btoa(JSON.stringify([row.createdAt, row.id])).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function decodeCursor(cursor: string): FileCursor {
  try {
    const [createdAt, id] = CursorSchema.parse(JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/"))));
    return { createdAt, id };
  } catch {
    throw invalidRequest("invalid_cursor", "Invalid cursor: pass the next_cursor value of a previous page unchanged.", "cursor");
  }
}

function declaredLength(c: Context<AppEnv>): number | null {
  const header = c.req.header("content-length");
  if (header === undefined || !/^\d+$/.test(header.trim())) return null;
  return Number(header);
}

function tenantOf(c: Context<AppEnv>): string {
  return c.get("tenantId") ?? DEFAULT_TENANT;
}

/** Merges the query options with the form fields sent before the file part; the two must not disagree. */
function mergeOptions(query: UploadQuery, fields: Record<string, string>): UploadQuery {
  for (const [name, value] of Object.entries(fields)) {
    const fromQuery = query[name as keyof UploadQuery];
    if (fromQuery !== undefined && fromQuery !== value) {
      throw invalidRequest("conflicting_parameter", `${name} is given twice with different values (query ${JSON.stringify(fromQuery)}, form field ${JSON.stringify(value)}); send it once.`, name);
    }
  }
  return parseWith(UploadOptionsSchema, { ...query, ...fields }, "form");
}

function optionsOf(query: UploadQuery): UploadOptions {
  return { format: query.format, delimiter: query.delimiter, charset: query.charset };
}

export const files = new Hono<AppEnv>();

files.post("/", async (c) => {
  const query = parseWith(UploadOptionsSchema, c.req.query(), "query");
  const contentType = c.req.header("content-type") ?? null;
  const length = declaredLength(c);
  const body = c.req.raw.body;
  const log = c.get("log");

  if (mediaTypeOf(contentType) === "multipart/form-data") {
    if (length !== null && length > MAX_UPLOAD_BYTES + MAX_MULTIPART_OVERHEAD_BYTES) throw declaredTooLarge(length);
    if (body === null) throw invalidRequest("missing_file", 'The multipart body is empty; send the file in a part named "file".', "file");
    const reader = new MultipartReader(body, boundaryOf(contentType!));

    const fields: Record<string, string> = {};
    let part: FormPart | null;
    while ((part = await reader.nextPart()) !== null && part.name !== "file") {
      if (!FORM_OPTION_FIELDS.has(part.name) || part.filename !== null) {
        throw invalidRequest("unexpected_form_field", `Unexpected form field "${part.name}". Send the file in a part named "file"; the only other fields are ${[...FORM_OPTION_FIELDS].join(", ")}.`, part.name);
      }
      fields[part.name] = await MultipartReader.readText(part);
    }
    if (part === null) throw invalidRequest("missing_file", 'The multipart body has no part named "file"; send the file in a part named "file".', "file");

    const options = mergeOptions(query, fields);
    const filename = options.filename ?? part.filename;
    if (!filename) throw invalidRequest("missing_filename", 'The "file" part has no filename; add one to the part or pass the filename parameter.', "filename");
    const row = await ingestUpload(c.env, {
      tenantId: tenantOf(c),
      filename: cleanFilename(filename),
      contentType: part.contentType,
      options: optionsOf(options),
      body: { chunks: part.body },
      afterStore: async () => {
        const extra = await reader.nextPart();
        if (extra !== null) {
          throw invalidRequest("unexpected_form_field", `Unexpected form part "${extra.name}" after the file; send one file per upload, with options before it or in the query.`, extra.name);
        }
      },
      log,
    });
    return c.json(fileObject(row), 201);
  }

  if (length !== null && length > MAX_UPLOAD_BYTES) throw declaredTooLarge(length);
  if (body === null) throw invalidRequest("missing_file", "The request has no body; send the file's bytes as the body.", "file");
  if (query.filename === undefined) {
    throw invalidRequest("missing_filename", "Pass the filename query parameter (for example ?filename=reviews.csv), or upload as multipart/form-data.", "filename");
  }
  const row = await ingestUpload(c.env, {
    tenantId: tenantOf(c),
    filename: cleanFilename(query.filename),
    contentType,
    options: optionsOf(query),
    body: length !== null ? { stream: body, length } : { chunks: iterateStream(body) },
    log,
  });
  return c.json(fileObject(row), 201);
});

files.get("/", async (c) => {
  const query = parseWith(ListQuerySchema, c.req.query(), "query");
  const limit = query.limit ?? DEFAULT_FILE_PAGE_SIZE;
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const rows = await listFiles(c.env.DB, tenantOf(c), limit + 1, cursor);
  const page = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return c.json({
    object: "list",
    data: page.map(fileObject),
    has_more: hasMore,
    next_cursor: hasMore ? encodeCursor(page[page.length - 1]) : null,
  });
});

files.get("/:id", async (c) => {
  const row = await findFile(c.env.DB, c.req.param("id"), tenantOf(c));
  if (!row) throw notFound("File", c.req.param("id"));
  return c.json(fileObject(row));
});

files.delete("/:id", async (c) => {
  const id = c.req.param("id");
  const row = await findFile(c.env.DB, id, tenantOf(c));
  if (!row) throw notFound("File", id);
  const log = c.get("log");
  // The row goes first: a row whose object is missing would break readers, while an
  // object without a row is only unused storage.
  await deleteFileRow(c.env.DB, id, row.tenantId);
  try {
    await c.env.FILES.delete(row.r2Key);
  } catch (error) {
    log.error("failed to delete a file's R2 object; it is left unused", { file_id: id, r2_key: row.r2Key, ...errorFields(error) });
  }
  log.info("file deleted", { file_id: id });
  return c.json({ id, object: "file", deleted: true });
});
