/**
 * The questions commands ask in a terminal (Inquirer's own prompt packages, on stderr): colour follows the run's
 * (NO_COLOR, --no-color, FORCE_COLOR=0, TERM=dumb), Ctrl-C is a cancellation, and the plan's diffs are shown
 * on request (`d`), through $PAGER (less) when longer than the screen.
 */
import { spawnSync } from 'node:child_process';
import { Cancelled } from '../core/errors.js';
import type { Output } from '../core/output.js';

/** Inquirer decides colour when it loads (Node's hasColors, which reads NO_COLOR): set it first when ours is off. */
function colourFor(out: Output): void {
  if (out.colored) return;
  process.env.NO_COLOR = '1';
  delete process.env.FORCE_COLOR;
}

async function asked<T>(question: () => Promise<T>): Promise<T> {
  try {
    return await question();
  } catch (error) {
    const name = (error as Error)?.name;
    if (name === 'ExitPromptError' || name === 'AbortPromptError') throw new Cancelled();
    throw error;
  }
}

const context = () => ({ output: process.stderr });

export async function choose<V extends string>(out: Output, message: string, choices: { name: string; value: V; disabled?: string | false }[]): Promise<V> {
  colourFor(out);
  const { default: select } = await import('@inquirer/select');
  return asked(() => select<V>({ message, choices: choices.map((c) => ({ name: c.name, value: c.value, disabled: c.disabled || false })) }, context()));
}

export interface Review {
  /** one line: what the plan does, shown again right before the question */
  summary: string;
  /** every file's diff, coloured */
  diffs: () => Promise<string>;
}

/** y / n, and with a review `d` (the diffs, then the question again). */
export async function confirmInTerminal(out: Output, message: string, review?: Review): Promise<boolean> {
  colourFor(out);
  const { default: expand } = await import('@inquirer/expand');
  for (;;) {
    if (review) out.info(review.summary);
    const choices = [
      { key: 'y' as const, name: 'yes, apply', value: 'yes' },
      { key: 'n' as const, name: 'no, change nothing', value: 'no' },
      ...(review ? [{ key: 'd' as const, name: "show every file's diff", value: 'diff' }] : []),
    ];
    const answer = await asked(() => expand({ message, choices, default: 'y' }, context()));
    if (answer !== 'diff' || !review) return answer === 'yes';
    page(await review.diffs());
  }
}

/** Text longer than the screen goes through $PAGER (default less, colours kept); shorter text is printed. */
export function page(text: string): void {
  const rows = process.stderr.rows ?? 24;
  const pager = process.env.PAGER ?? 'less';
  if (text.split('\n').length >= rows - 2 && pager.trim() !== '' && pager.trim() !== 'cat') {
    const shown = spawnSync(pager, {
      shell: true,
      input: text,
      stdio: ['pipe', process.stdout.isTTY ? 'inherit' : process.stderr, 'inherit'],
      env: { ...process.env, LESS: process.env.LESS ?? 'FRX' },
    });
    if (!shown.error && shown.status === 0) return;
  }
  process.stderr.write(text.endsWith('\n') ? text : text + '\n');
}
