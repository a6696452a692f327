// UTF-8 byte checks that locate the first invalid byte, which TextDecoder does not report.

/** Returns how many bytes at the end of `bytes` start a UTF-8 sequence that the chunk does not finish (0-3). */
export function incompleteTailLength(bytes: Uint8Array): number {
  const length = bytes.byteLength;
  for (let back = 1; back <= Math.min(3, length); back += 1) {
    const byte = bytes[length - back];
    if (byte < 0x80) return 0;
    if (byte >= 0xc0) {
      let needed = 2;
      if (byte >= 0xe0) needed = 3;
      if (byte >= 0xf0) needed = 4;
      return needed > back ? back : 0;
    }
  }
  return 0;
}

/**
 * Returns the offset of the first byte that starts an invalid UTF-8 sequence (a stray
 * continuation byte, an overlong form, a surrogate, a value past U+10FFFF or a sequence cut
 * short), or -1. A sequence cut off by the end of `bytes` is invalid only when `final` is true.
 */
export function findInvalidUtf8(bytes: Uint8Array, final: boolean): number {
  const length = bytes.byteLength;
  let at = 0;
  while (at < length) {
    const lead = bytes[at];
    if (lead < 0x80) {
      at += 1;
      continue;
    }

    let needed: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) needed = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      needed = 2;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      needed = 3;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return at;

    for (let next = 1; next <= needed; next += 1) {
      if (at + next >= length) return final ? at : -1;
      const byte = bytes[at + next];
      const min = next === 1 ? low : 0x80;
      const max = next === 1 ? high : 0xbf;
      if (byte < min || byte > max) return at;
    }
    at += needed + 1;
  }
  return -1;
}
