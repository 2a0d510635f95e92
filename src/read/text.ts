/**
 * How every source file is read: as UTF-8 text, with the byte-order mark split off (so parsers and edits never
 * see it) and the line-ending style recorded (so inserted lines get the file's own). A file we cannot edit
 * without changing its encoding (UTF-16, UTF-32, bytes that are not UTF-8) is refused with one line, never
 * mangled. A folder where a file should be, a symlink loop or a permission problem is one line too.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import { describeFsError } from '../core/fs-errors.js';

export type LineEndings = 'lf' | 'crlf' | 'mixed' | 'none';

export interface SourceText {
  /** the text without its byte-order mark */
  text: string;
  /** the file starts with a UTF-8 byte-order mark */
  bom: boolean;
  eol: LineEndings;
}

export const BOM = '\uFEFF';

export function lineEndingsOf(text: string): LineEndings {
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const lf = (text.match(/\n/g) ?? []).length - crlf;
  if (crlf === 0 && lf === 0) return 'none';
  if (crlf === 0) return 'lf';
  if (lf === 0) return 'crlf';
  return 'mixed';
}

/** Text decoded from bytes, or a one-line refusal naming the file and its encoding. */
export function decodeText(bytes: Buffer, file: string): SourceText {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new UserError(`${file} is UTF-16 encoded; passkey-migrate edits UTF-8 files only`, {
      hint: 'save it as UTF-8 (with or without BOM) and run again; the .NET SDK reads both',
    });
  }
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = bom ? bytes.subarray(3) : bytes;
  const text = body.toString('utf8');
  // A lossless round trip, or the file is not UTF-8 (Windows-1252, Latin-1, ...): editing it would corrupt it.
  if (text.includes('\uFFFD') && !Buffer.from(text, 'utf8').equals(body)) {
    const line = text.slice(0, text.indexOf('\uFFFD')).split('\n').length;
    throw new UserError(`${file} is not valid UTF-8 (line ${line}); passkey-migrate will not re-encode it`, {
      hint: 'save it as UTF-8 and run again',
    });
  }
  if (text.includes('\u0000')) {
    throw new UserError(`${file} holds NUL characters (a UTF-16/UTF-32 file without a byte-order mark?); passkey-migrate edits UTF-8 files only`, {
      hint: 'save it as UTF-8 and run again',
    });
  }
  return { text, bom, eol: lineEndingsOf(text) };
}

/** Reads a source file (C#, Razor, MSBuild, JSON, JavaScript) as text; see the module comment. */
export function readSourceText(file: string): SourceText {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw describeFsError(error, file, 'read');
  }
  return decodeText(bytes, file);
}

/** The text alone (no BOM), for readers that only look. */
export function readText(file: string): string {
  return readSourceText(file).text;
}

/** The text to write for a file: its BOM again and, for a file that used CRLF only, CRLF in every inserted line. */
export function encodeText(text: string, style: { bom: boolean; eol: LineEndings }): string {
  const body = text.startsWith(BOM) ? text.slice(1) : text;
  const lines = style.eol === 'crlf' ? body.replace(/\r?\n/g, '\r\n') : body;
  return (style.bom ? BOM : '') + lines;
}
