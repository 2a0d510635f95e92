/**
 * The recorder behind the check cache: every read through node:fs (also through ES-module named imports) is
 * recorded, and any change to what was read (content, a folder's names, existence, a stat) is found.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { firstChanged, noteValidUntil, startRecording } from '../../src/core/input-record.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pkm-record-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'Program.cs'), 'var app = 1;\n');
  mkdirSync(path.join(dir, 'Pages'));
  writeFileSync(path.join(dir, 'Pages', 'Index.cshtml'), '<h1>hi</h1>\n');
  return dir;
}

function readAll(dir: string): void {
  readFileSync(path.join(dir, 'Program.cs'), 'utf8');
  readdirSync(path.join(dir, 'Pages'));
  existsSync(path.join(dir, 'appsettings.json'));
  statSync(path.join(dir, 'Pages', 'Index.cshtml'));
}

describe('input recording', () => {
  it('records reads made through named imports, and nothing after stop()', () => {
    const dir = scratch();
    const recording = startRecording([]);
    readAll(dir);
    const { inputs } = recording.stop();
    readFileSync(path.join(dir, 'Pages', 'Index.cshtml'));
    expect(inputs.map((i) => `${i.kind} ${path.relative(dir, i.path)}`).sort()).toEqual(['dir Pages', 'exists appsettings.json', 'file Program.cs', 'stat Pages/Index.cshtml']);
    expect(firstChanged(inputs)).toBeNull();
  });

  it.each([
    ['a changed file', (dir: string) => writeFileSync(path.join(dir, 'Program.cs'), 'var app = 2;\n'), 'file'],
    ['a new file in a listed folder', (dir: string) => writeFileSync(path.join(dir, 'Pages', 'New.cshtml'), ''), 'dir'],
    ['a file that now exists', (dir: string) => writeFileSync(path.join(dir, 'appsettings.json'), '{}'), 'exists'],
    ['a grown file that was only stat-ed', (dir: string) => writeFileSync(path.join(dir, 'Pages', 'Index.cshtml'), '<h1>hello</h1>\n'), 'stat'],
  ])('finds %s', (_what, change, kind) => {
    const dir = scratch();
    const recording = startRecording([]);
    readAll(dir);
    const { inputs } = recording.stop();
    change(dir);
    expect(firstChanged(inputs)?.kind).toBe(kind);
  });

  it('leaves out excluded folders and keeps the earliest time bound', () => {
    const dir = scratch();
    const recording = startRecording([path.join(dir, 'Pages')]);
    readAll(dir);
    noteValidUntil(5000);
    noteValidUntil(9000);
    const { inputs, validUntil } = recording.stop();
    expect(inputs.some((i) => i.path.startsWith(path.join(dir, 'Pages')))).toBe(false);
    expect(validUntil).toBe(5000);
  });

  it('records a missing file read as missing, and finds it when it appears', () => {
    const dir = scratch();
    const recording = startRecording([]);
    expect(() => readFileSync(path.join(dir, 'global.json'))).toThrow();
    const { inputs } = recording.stop();
    expect(inputs[0]?.digest).toBe('error:ENOENT');
    writeFileSync(path.join(dir, 'global.json'), '{}');
    expect(firstChanged(inputs)?.path).toBe(path.join(dir, 'global.json'));
  });
});
