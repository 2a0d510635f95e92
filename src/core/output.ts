/**
 * All terminal output goes through here: human lines on stderr/stdout with optional colour, one JSON document on
 * stdout with --json (then human logs go to stderr), everything passed through redaction.
 */
import type { ChalkInstance } from 'chalk';
import { redactDeep, redactText } from './redact.js';

export interface OutputOptions {
  json?: boolean;
  color?: boolean;
  verbose?: boolean;
}

export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  private readonly colorEnabled: boolean;
  private chalkInstance?: ChalkInstance;

  private readonly stdout: NodeJS.WritableStream;
  private readonly stderr: NodeJS.WritableStream;
  private captured: { fd: 1 | 2; text: string }[] | null = null;

  constructor(options: OutputOptions = {}, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr) {
    this.json = options.json ?? false;
    this.verbose = options.verbose ?? false;
    this.colorEnabled = options.color ?? colorWanted(stdout);
    // Every write can also be kept (capture()), so that a run's exact output can be given again (the check cache).
    const keep = (fd: 1 | 2, stream: NodeJS.WritableStream) =>
      ({ write: (text: string) => (this.captured?.push({ fd, text }), stream.write(text)), isTTY: (stream as NodeJS.WriteStream).isTTY }) as unknown as NodeJS.WritableStream;
    this.stdout = keep(1, stdout);
    this.stderr = keep(2, stderr);
  }

  /** Keeps every write from now on; the returned function ends that and gives them back in order. */
  capture(): () => { fd: 1 | 2; text: string }[] {
    const kept: { fd: 1 | 2; text: string }[] = [];
    this.captured = kept;
    return () => {
      if (this.captured === kept) this.captured = null;
      return kept;
    };
  }

  /** Writes what capture() kept, as it was written. */
  replay(writes: { fd: 1 | 2; text: string }[]): void {
    for (const w of writes) (w.fd === 1 ? this.stdout : this.stderr).write(w.text);
  }

  /** Whether colour and JSON are on: part of what a kept output is valid for. */
  get mode(): string {
    return `${this.json ? 'json' : 'text'}:${this.colorEnabled ? 'color' : 'plain'}:${this.verbose ? 'verbose' : ''}`;
  }

  /** Whether this run colours its output (prompts follow it too). */
  get colored(): boolean {
    return this.colorEnabled;
  }

  /** chalk is loaded once, and only when colour is on. */
  async init(): Promise<void> {
    if (this.colorEnabled && !this.chalkInstance) {
      const { Chalk } = await import('chalk');
      this.chalkInstance = new Chalk({ level: 1 });
    }
  }

  style(kind: 'ok' | 'warn' | 'error' | 'dim' | 'bold' | 'heading' | 'hunk', text: string): string {
    const c = this.chalkInstance;
    if (!c) return text;
    switch (kind) {
      case 'ok':
        return c.green(text);
      case 'warn':
        return c.yellow(text);
      case 'error':
        return c.red(text);
      case 'dim':
        return c.dim(text);
      case 'bold':
        return c.bold(text);
      case 'heading':
        return c.bold.cyan(text);
      case 'hunk':
        return c.cyan(text);
    }
  }

  /** A human line: stdout normally, stderr under --json so stdout stays one document. */
  line(text = ''): void {
    (this.json ? this.stderr : this.stdout).write(redactText(text) + '\n');
  }

  info(text: string): void {
    this.stderr.write(redactText(text) + '\n');
  }

  warn(text: string): void {
    this.stderr.write(this.style('warn', 'warning: ') + redactText(text) + '\n');
  }

  error(text: string): void {
    this.stderr.write(this.style('error', 'error: ') + redactText(text) + '\n');
  }

  debug(text: string): void {
    if (this.verbose) this.stderr.write(this.style('dim', redactText(text)) + '\n');
  }

  /**
   * A progress indicator for a step that can take more than a second (restore, build, start): a spinner on a
   * terminal with colour on, else one plain line. Call the returned function with the outcome when done.
   */
  progress(text: string): (outcome?: string) => void {
    const started = Date.now();
    const tty = Boolean((this.stderr as NodeJS.WriteStream).isTTY) && this.colorEnabled && !this.json;
    if (!tty) {
      this.stderr.write(redactText(text) + '...\n');
      return () => undefined;
    }
    const frames = ['|', '/', '-', '\\'];
    let i = 0;
    const draw = () => this.stderr.write(`\r${frames[i++ % frames.length]} ${redactText(text)} ${this.style('dim', `${Math.round((Date.now() - started) / 1000)} s`)}`);
    draw();
    const timer = setInterval(draw, 120);
    return (outcome = 'done') => {
      clearInterval(timer);
      this.stderr.write(`\r\x1b[2K${redactText(text)}: ${outcome} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    };
  }

  /** Runs work under a progress indicator that ends with its outcome ("failed" when it throws). */
  async during<T>(text: string, work: () => Promise<T>, outcome: (value: T) => string = () => 'done'): Promise<T> {
    const done = this.progress(text);
    try {
      const value = await work();
      done(outcome(value));
      return value;
    } catch (error) {
      done('failed');
      throw error;
    }
  }

  /** A unified diff, its added lines green, removed red, hunk headers cyan (when colour is on). */
  diff(text: string): string {
    if (!this.chalkInstance) return text;
    return text
      .split('\n')
      .map((l) =>
        l.startsWith('+++') || l.startsWith('---')
          ? this.style('bold', l)
          : l.startsWith('+')
            ? this.style('ok', l)
            : l.startsWith('-')
              ? this.style('error', l)
              : l.startsWith('@@')
                ? this.style('hunk', l)
                : l,
      )
      .join('\n');
  }

  document(value: unknown): void {
    this.stdout.write(JSON.stringify(redactDeep(value), null, 2) + '\n');
  }
}

export function colorWanted(stream: NodeJS.WritableStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR === '0' || process.env.TERM === 'dumb') return false;
  if (process.env.FORCE_COLOR !== undefined) return true;
  return Boolean((stream as NodeJS.WriteStream).isTTY);
}
