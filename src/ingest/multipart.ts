// A streaming multipart/form-data reader (RFC 7578): it hands out each part's body as a
// stream of byte chunks, holding no more than a chunk and a boundary's length at a time.
import { MAX_FORM_FIELD_BYTES, MAX_FORM_HEADER_BYTES, MAX_MULTIPART_OVERHEAD_BYTES } from "../config/limits";
import { invalidRequest } from "../errors";
import { concatBytes, indexOfBytes, iterateStream } from "./bytes";

const encoder = new TextEncoder();
const HEADER_END = encoder.encode("\r\n\r\n");

/** One part of a form: its field name, the filename and Content-Type it declares, and its body. */
export interface FormPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  body: AsyncGenerator<Uint8Array>;
}

function malformed(detail: string) {
  return invalidRequest("invalid_multipart", `Malformed multipart/form-data body: ${detail}.`, "file");
}

/** Returns the boundary parameter of a multipart Content-Type, or raises a 400. */
export function boundaryOf(contentType: string): string {
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match ? (match[1] ?? match[2]) : undefined;
  if (!boundary || boundary.length > 70) {
    throw invalidRequest("invalid_multipart", "The multipart/form-data Content-Type has no valid boundary parameter (1 to 70 characters).", "content-type");
  }
  return boundary;
}

/** Returns a header parameter such as name="file" or filename*=UTF-8''r%C3%A9sum%C3%A9.csv, or null. */
function headerParameter(header: string, name: string): string | null {
  const extended = new RegExp(`;\\s*${name}\\*\\s*=\\s*([^']*)'[^']*'([^;\\s]+)`, "i").exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[2]);
    } catch {
      throw malformed(`the ${name}* parameter is not valid percent-encoding`);
    }
  }
  const plain = new RegExp(`;\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, "i").exec(header);
  if (!plain) return null;
  return plain[1] !== undefined ? plain[1].replace(/\\(.)/g, "$1") : plain[2];
}

export class MultipartReader {
  private readonly source: AsyncGenerator<Uint8Array>;
  private readonly delimiter: Uint8Array;
  // The CRLF in front lets the first boundary match the same "\r\n--boundary" as the others.
  private buffer: Uint8Array = encoder.encode("\r\n");
  private atDelimiter = false;
  private finished = false;
  private openBody: AsyncGenerator<Uint8Array> | null = null;

  constructor(stream: ReadableStream<Uint8Array>, boundary: string) {
    this.source = iterateStream(stream);
    this.delimiter = encoder.encode(`\r\n--${boundary}`);
  }

  /** Returns the next part, or null after the closing boundary. Unread bytes of the previous part are skipped. */
  async nextPart(): Promise<FormPart | null> {
    if (this.openBody) {
      for await (const chunk of this.openBody) void chunk;
      this.openBody = null;
    }
    if (this.finished) return null;
    if (!this.atDelimiter) await this.skipPreamble();

    while (this.buffer.byteLength < 2) {
      if (!(await this.fill())) throw malformed("it ends right after a boundary");
    }
    if (this.buffer[0] === 45 && this.buffer[1] === 45) {
      this.finished = true;
      this.buffer = new Uint8Array(0);
      await this.skipEpilogue();
      return null;
    }

    let headerEnd = indexOfBytes(this.buffer, HEADER_END);
    while (headerEnd === -1) {
      if (this.buffer.byteLength > MAX_FORM_HEADER_BYTES) throw malformed(`a part's headers are longer than ${MAX_FORM_HEADER_BYTES} bytes`);
      if (!(await this.fill())) throw malformed("it ends inside a part's headers");
      headerEnd = indexOfBytes(this.buffer, HEADER_END);
    }
    const headerText = new TextDecoder().decode(this.buffer.subarray(0, headerEnd));
    this.buffer = this.buffer.subarray(headerEnd + HEADER_END.byteLength);
    this.atDelimiter = false;

    const headers = new Map<string, string>();
    for (const line of headerText.split("\r\n").slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const disposition = headers.get("content-disposition") ?? "";
    const name = headerParameter(disposition, "name");
    if (!/^form-data\b/i.test(disposition) || name === null) throw malformed('a part has no Content-Disposition: form-data; name="..." header');

    this.openBody = this.readBody();
    return { name, filename: headerParameter(disposition, "filename"), contentType: headers.get("content-type") ?? null, body: this.openBody };
  }

  /** Reads a small text field's value, at most MAX_FORM_FIELD_BYTES. */
  static async readText(part: FormPart): Promise<string> {
    let bytes: Uint8Array = new Uint8Array(0);
    for await (const chunk of part.body) {
      bytes = concatBytes(bytes, chunk);
      if (bytes.byteLength > MAX_FORM_FIELD_BYTES) {
        throw invalidRequest("invalid_multipart", `Form field "${part.name}" is longer than ${MAX_FORM_FIELD_BYTES} bytes.`, part.name);
      }
    }
    return new TextDecoder().decode(bytes);
  }

  private async fill(): Promise<boolean> {
    const next = await this.source.next();
    if (next.done) return false;
    this.buffer = concatBytes(this.buffer, next.value);
    return true;
  }

  /** Reads what follows the closing boundary (usually a CRLF), so the client's upload completes. */
  private async skipEpilogue(): Promise<void> {
    let skipped = 0;
    while (skipped <= MAX_MULTIPART_OVERHEAD_BYTES) {
      const next = await this.source.next();
      if (next.done) return;
      skipped += next.value.byteLength;
    }
    await this.source.return(undefined);
  }

  private async skipPreamble(): Promise<void> {
    while (true) {
      const at = indexOfBytes(this.buffer, this.delimiter);
      if (at !== -1) {
        this.buffer = this.buffer.subarray(at + this.delimiter.byteLength);
        this.atDelimiter = true;
        return;
      }
      this.buffer = this.buffer.subarray(Math.max(0, this.buffer.byteLength - (this.delimiter.byteLength - 1)));
      if (!(await this.fill())) throw malformed("no boundary line was found");
    }
  }

  /** Yields a part's bytes up to the next boundary, keeping back a tail that may be the boundary's start. */
  private async *readBody(): AsyncGenerator<Uint8Array> {
    const keep = this.delimiter.byteLength - 1;
    while (true) {
      const at = indexOfBytes(this.buffer, this.delimiter);
      if (at !== -1) {
        if (at > 0) yield this.buffer.subarray(0, at);
        this.buffer = this.buffer.subarray(at + this.delimiter.byteLength);
        this.atDelimiter = true;
        return;
      }
      const ready = this.buffer.byteLength - keep;
      if (ready > 0) {
        const chunk = this.buffer.subarray(0, ready);
        this.buffer = this.buffer.subarray(ready);
        yield chunk;
      }
      if (!(await this.fill())) throw malformed("it ends before the closing boundary");
    }
  }
}
