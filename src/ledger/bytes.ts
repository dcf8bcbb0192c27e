/**
 * Small byte helpers shared by the ledger primitives. Kept free of server-side imports so the
 * `custos/ledger` entry point stays usable by outside auditors.
 */

const encoder = new TextEncoder();
// fatal: invalid UTF-8 must be rejected, not replaced; ignoreBOM: a leading BOM is part of the signed bytes.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes strict UTF-8, or returns undefined when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** True when both arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Concatenates byte arrays into a new one. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

/** Standard padded base64 of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}

const base64Shape = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes standard padded base64, or returns undefined. Node's decoder silently skips junk, so the
 * shape is checked first, and the round trip rejects non-zero padding bits (two spellings of one
 * value would make signatures malleable).
 */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!base64Shape.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64');
  if (decoded.toString('base64') !== text) return undefined;
  return Uint8Array.from(decoded);
}

/** True when `text` has an ASCII control character other than newline, or a lone surrogate. */
export function hasForbiddenCharacters(text: string): boolean {
  // \p{Cs} only matches unpaired surrogates under the u flag: they cannot be encoded as UTF-8.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return /[\u0000-\u0009\u000b-\u001f]|\p{Cs}/u.test(text);
}
