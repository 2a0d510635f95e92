/** A planned change to one file: its text before (null for a new file) and after, with the reason. */
export interface FileChange {
  path: string;
  before: string | null;
  after: string;
  reason: string;
  /** a file we create whose path already holds a different file: the user decides (skip, overwrite, keep both) */
  conflict?: boolean;
}

/** What a change does to its file, as the plan shows it. */
export function changeAction(change: Pick<FileChange, 'before' | 'conflict'>): 'create' | 'replace' | 'update' {
  return change.before === null ? 'create' : change.conflict ? 'replace' : 'update';
}

export interface TextEdit {
  at: number;
  end: number;
  text: string;
}

/** Applies edits (ranges of the original text) from the last to the first. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.text + out.slice(e.end);
  return out;
}

/** Merges changes to the same file (later edits see the earlier result). */
export function mergeChanges(changes: FileChange[]): FileChange[] {
  const byPath = new Map<string, FileChange>();
  for (const change of changes) {
    const prior = byPath.get(change.path);
    if (prior) byPath.set(change.path, { ...prior, after: change.after, reason: `${prior.reason}; ${change.reason}` });
    else byPath.set(change.path, change);
  }
  return [...byPath.values()].filter((c) => c.before !== c.after);
}

export async function unifiedDiff(change: FileChange, displayPath: string): Promise<string> {
  const { createTwoFilesPatch } = await import('diff');
  return createTwoFilesPatch(change.before === null ? '/dev/null' : `a/${displayPath}`, `b/${displayPath}`, change.before ?? '', change.after, '', '', { context: 3 });
}
