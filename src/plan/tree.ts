/**
 * The staged tree: every planner reads files from it and writes its edits into it, so a later planner always sees
 * what an earlier one will write (the way Angular's schematics stage edits in a virtual tree). Nothing reaches the
 * disk here; `changes()` is the whole plan's file part, each file once, with its text as it is on disk now and
 * as it will be.
 *
 * Planners see text without a byte-order mark; the tree puts the file's BOM back, and gives every line of a
 * CRLF-only file CRLF, so edits keep the user's encoding and line endings without each planner knowing them.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { BOM, encodeText, readSourceText, type SourceText } from '../read/text.js';
import type { FileChange } from './file-change.js';

interface Entry {
  /** the file on disk when the tree first looked at it; null when it does not exist */
  disk: SourceText | null;
  /** the text planners see now (no BOM) */
  text: string | null;
  /** BOM and line-ending style the written file gets */
  style: { bom: boolean; eol: SourceText['eol'] };
  reasons: string[];
  conflict: boolean;
}

export type DiskReader = (file: string) => SourceText | null;

export function readFromDisk(file: string): SourceText | null {
  let stats;
  try {
    stats = statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return readSourceText(file); // throws the one-line description (ELOOP, EACCES, ...)
  }
  if (stats.isDirectory()) {
    throw new UserError(`${file} is a folder, where passkey-migrate needs to write a file`, { hint: 'move the folder away and run again' });
  }
  return readSourceText(file);
}

export interface NewFileStyle {
  bom: boolean;
  eol: 'lf' | 'crlf';
}

export class StagedTree {
  private readonly entries = new Map<string, Entry>();

  /**
   * @param newFiles how files that do not exist yet are written (the project's own way: a Windows team's
   * BOM and CRLF); a text given with a BOM keeps it either way.
   */
  constructor(
    private readonly readDisk: DiskReader = readFromDisk,
    private readonly newFiles: NewFileStyle = { bom: false, eol: 'lf' },
  ) {}

  static forProject(style: NewFileStyle): StagedTree {
    return new StagedTree(readFromDisk, style);
  }

  private entry(file: string): Entry {
    const key = path.resolve(file);
    let entry = this.entries.get(key);
    if (!entry) {
      const disk = this.readDisk(key);
      entry = { disk, text: disk?.text ?? null, style: { bom: disk?.bom ?? false, eol: disk?.eol ?? 'none' }, reasons: [], conflict: false };
      this.entries.set(key, entry);
    }
    return entry;
  }

  exists(file: string): boolean {
    return this.entry(file).text !== null;
  }

  /** The file's text as the plan has it so far (no BOM); a missing file is a UserError. */
  read(file: string): string {
    const text = this.entry(file).text;
    if (text === null) throw new UserError(`${file} does not exist`);
    return text;
  }

  tryRead(file: string): string | null {
    return this.entry(file).text;
  }

  /** The file as it is on disk (no BOM), whatever the plan has staged; null when it does not exist. */
  original(file: string): string | null {
    return this.entry(file).disk?.text ?? null;
  }

  /** Stages a file's new text (an edit of an existing file, or a new file). A leading BOM marks a BOM file. */
  write(file: string, text: string, reason: string): void {
    const entry = this.entry(file);
    const body = text.startsWith(BOM) ? text.slice(1) : text;
    if (entry.disk === null && entry.text === null) entry.style = { bom: text.startsWith(BOM) || this.newFiles.bom, eol: this.newFiles.eol === 'crlf' ? 'crlf' : 'none' };
    if (body === entry.text) return;
    entry.text = body;
    if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
  }

  /** Applies an edit to the staged text; nothing is staged when the edit changes nothing. */
  edit(file: string, edit: (text: string) => string, reason: string): void {
    const before = this.read(file);
    const after = edit(before);
    if (after !== before) this.write(file, after, reason);
  }

  /**
   * A file we write whole: staged as new when absent, nothing when it already reads as we would write it, and a
   * conflict (the user decides: skip, overwrite, keep both) when a different file is there.
   */
  create(file: string, text: string, reason: string): void {
    const entry = this.entry(file);
    const body = text.startsWith(BOM) ? text.slice(1) : text;
    if (entry.disk !== null && entry.disk.text !== body) entry.conflict = true;
    this.write(file, text, reason);
  }

  /** Every file whose bytes change, in the order the planners first touched them. */
  changes(): FileChange[] {
    const out: FileChange[] = [];
    for (const [file, entry] of this.entries) {
      if (entry.text === null) continue;
      const before = entry.disk === null ? null : (entry.disk.bom ? BOM : '') + entry.disk.text;
      const after = encodeText(entry.text, entry.style);
      if (after === before) continue;
      out.push({ path: file, before, after, reason: entry.reasons.join('; ') || 'update', ...(entry.conflict ? { conflict: true } : {}) });
    }
    return out;
  }
}
