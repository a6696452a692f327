// Byte streams to text: BOM sniffing, charset selection and strict decoding that names
// the offset of the first invalid byte instead of passing U+FFFD on.
import { ApiError, invalidRequest } from "../errors";
import { concatBytes } from "./bytes";
import { formatCount } from "./report";
import { findInvalidUtf8, incompleteTailLength } from "./utf8";

export interface DecodedText {
  /** The WHATWG name of the encoding used, for example "utf-8" or "windows-1252". */
  charset: string;
  text: AsyncGenerator<string>;
}

/** Returns the WHATWG encoding name for a label, or raises a 400 naming the unsupported label. */
export function resolveCharset(label: string): string {
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    throw invalidRequest(
      "unsupported_charset",
      `Unsupported charset ${JSON.stringify(label)}. Use an encoding label such as utf-8, utf-16le, windows-1252, iso-8859-2 or shift_jis.`,
      "charset",
    );
  }
}

/** Returns the encoding a byte order mark announces, or null. */
function sniffBom(head: Uint8Array): string | null {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return "utf-8";
  if (head[0] === 0xff && head[1] === 0xfe) return "utf-16le";
  if (head[0] === 0xfe && head[1] === 0xff) return "utf-16be";
  return null;
}

/** Returns the bytes that end `chunk` (joined to the previous tail) without completing a UTF-8 character. */
function nextTail(tail: Uint8Array, chunk: Uint8Array): Uint8Array {
  const joined = chunk.byteLength >= 3 ? chunk.subarray(chunk.byteLength - 3) : concatBytes(tail, chunk);
  const window = joined.subarray(Math.max(0, joined.byteLength - 3));
  return window.slice(window.byteLength - incompleteTailLength(window));
}

function invalidUtf8Error(offset: number, byte: number | undefined): ApiError {
  const byteHex = byte === undefined ? null : `0x${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  const problem = byteHex === null ? "the file ends inside a multi-byte character" : `byte ${byteHex} at offset ${formatCount(offset)} starts no valid character`;
  return invalidRequest(
    "invalid_encoding",
    `The file is not valid UTF-8: ${problem} (offsets count bytes from 0). Re-save it as UTF-8, or pass its encoding as charset (for example charset=windows-1252).`,
    "charset",
    { charset: "utf-8", offset, byte: byteHex },
  );
}

function invalidBytesError(charset: string, start: number, end: number): ApiError {
  return invalidRequest(
    "invalid_encoding",
    `The file is not valid ${charset}: bytes ${formatCount(start)} to ${formatCount(end)} (offsets from 0) contain an invalid sequence. Check the charset parameter, or re-save the file as UTF-8.`,
    "charset",
    { charset, offset_start: start, offset_end: end },
  );
}

function nulCharacterError(position: number): ApiError {
  return invalidRequest(
    "invalid_encoding",
    `The file contains a NUL character (U+0000) at character ${formatCount(position)}, which text files do not. If it is UTF-16 without a byte order mark, pass charset=utf-16le or charset=utf-16be.`,
    "charset",
    { character: position },
  );
}

/**
 * Decodes a byte stream to text chunks. A byte order mark wins over `requested` (as in the
 * WHATWG decode algorithm) and is removed; without either the bytes must be UTF-8. Invalid
 * bytes raise a 400: for UTF-8 it names the offset and value of the first bad byte, for other
 * charsets the byte range of the chunk that held it.
 */
export async function decodeBytes(bytes: AsyncIterable<Uint8Array>, requested: string | null): Promise<DecodedText> {
  const source = bytes[Symbol.asyncIterator]();

  let head: Uint8Array = new Uint8Array(0);
  let exhausted = false;
  while (head.byteLength < 3) {
    const next = await source.next();
    if (next.done) {
      exhausted = true;
      break;
    }
    head = concatBytes(head, next.value);
  }
  const charset = sniffBom(head) ?? (requested === null ? "utf-8" : resolveCharset(requested));

  async function* decode(): AsyncGenerator<string> {
    const decoder = new TextDecoder(charset, { fatal: true, ignoreBOM: false });
    const isUtf8 = charset === "utf-8";
    let consumed = 0;
    let tail: Uint8Array = new Uint8Array(0);
    let characters = 0;

    const emit = (text: string): string => {
      const nul = text.indexOf("\0");
      if (nul !== -1) throw nulCharacterError(characters + nul);
      characters += text.length;
      return text;
    };

    const decodeChunk = (chunk: Uint8Array): string => {
      try {
        return decoder.decode(chunk, { stream: true });
      } catch {
        if (!isUtf8) throw invalidBytesError(charset, Math.max(0, consumed - 4), consumed + chunk.byteLength);
        const window = concatBytes(tail, chunk);
        const at = findInvalidUtf8(window, false);
        const offset = consumed - tail.byteLength + Math.max(at, 0);
        throw invalidUtf8Error(offset, window[Math.max(at, 0)]);
      }
    };

    const feed = (chunk: Uint8Array): string => {
      const text = decodeChunk(chunk);
      if (isUtf8) tail = nextTail(tail, chunk);
      consumed += chunk.byteLength;
      return emit(text);
    };

    if (head.byteLength > 0) {
      const text = feed(head);
      if (text !== "") yield text;
    }
    while (!exhausted) {
      const next = await source.next();
      if (next.done) break;
      const text = feed(next.value);
      if (text !== "") yield text;
    }

    let rest: string;
    try {
      rest = decoder.decode();
    } catch {
      if (isUtf8) throw invalidUtf8Error(consumed - tail.byteLength, undefined);
      throw invalidBytesError(charset, Math.max(0, consumed - 4), consumed);
    }
    if (rest !== "") yield emit(rest);
  }

  return { charset, text: decode() };
}
