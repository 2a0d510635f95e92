/**
 * The interactive `add`, driven in a real terminal (tmux): the plan is shown, a conflicting file gets the diff and
 * the skip/overwrite/keep-both question, the confirmation is answered, and the result is right.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { materialize, type Materialized } from '../helpers/fixtures.js';
import { binPath, treeDigest } from '../helpers/run.js';

let session = `pkm-${process.pid}`;
const made: Materialized[] = [];
const sessions: string[] = [];
afterAll(async () => {
  for (const s of sessions) {
    try {
      execFileSync('tmux', ['kill-session', '-t', s], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  for (const m of made) await m.cleanup();
});

function start(name: string, command: string): void {
  session = `pkm-${process.pid}-${name}`;
  sessions.push(session);
  tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', command);
}

const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-S', '-2000', '-t', session);

async function waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = screen();
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; the terminal shows:\n${text}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

it('shows the plan and the diff of a conflicting file, asks, and applies the answers', async () => {
  const m = await materialize('webapp-sqlite');
  made.push(m);
  const mine = path.join(m.dir, 'Passkeys', 'PasskeyOperation.cs');
  mkdirSync(path.dirname(mine), { recursive: true });
  const myText = 'namespace SampleShop.Passkeys;\n\n// ours: kept\npublic enum PasskeyOperation { Create, Request }\n';
  writeFileSync(mine, myText);
  const done = path.join(m.dir, 'exit-code');
  const command = `env -u CI NO_COLOR=1 ${process.execPath} ${binPath} add --project ${m.dir}; echo $? > ${done}; sleep 600`;
  start('conflict', command);

  let text = await waitFor(/Apply these changes\?|PasskeyOperation\.cs:/);
  expect(text).toMatch(/Files:/);
  expect(text).toMatch(/create\s+Passkeys\/PasskeyEndpoints\.cs/);
  expect(text).toMatch(/Database \(\d{14}_AddPasskeySupport\):/);
  // The conflict: its diff, then the question; Enter picks the first answer (skip, keep mine).
  text = await waitFor(/PasskeyOperation\.cs:[\s\S]*skip \(keep my file\)/);
  expect(text).toMatch(/-\/\/ ours: kept/);
  tmux('send-keys', '-t', session, 'Enter');
  await waitFor(/Apply these changes\?/);
  tmux('send-keys', '-t', session, 'y', 'Enter');
  text = await waitFor(/done: \d+ files written/);
  if (process.env.PKM_SHOW_TERMINAL) console.log(text);
  for (let i = 0; i < 50 && !existsSync(done); i++) await new Promise((r) => setTimeout(r, 100));
  expect(readFileSync(done, 'utf8').trim()).toBe('0');
  expect(readFileSync(mine, 'utf8')).toBe(myText);
  expect(existsSync(path.join(m.dir, 'Passkeys', 'PasskeyEndpoints.cs'))).toBe(true);
  expect(readFileSync(path.join(m.dir, 'Program.cs'), 'utf8')).toMatch(/MapPasskeyEndpoints<IdentityUser>\(\)/);
});

it('Ctrl-C at the question: "cancelled: nothing changed", exit 130, nothing written', async () => {
  const m = await materialize('webapp-sqlite');
  made.push(m);
  const digest = treeDigest(m.dir);
  const done = path.join(m.dir, '..', `${path.basename(m.dir)}-exit-code`);
  start('cancel', `env -u CI NO_COLOR=1 ${process.execPath} ${binPath} add --project ${m.dir} 2>&1; echo $? > ${done}; sleep 600`);
  await waitFor(/Apply these changes\?/);
  tmux('send-keys', '-t', session, 'C-c');
  const text = await waitFor(/cancelled: nothing changed/);
  expect(text).not.toMatch(/this is a bug|unexpected failure/);
  for (let i = 0; i < 50 && !existsSync(done); i++) await new Promise((r) => setTimeout(r, 100));
  expect(readFileSync(done, 'utf8').trim()).toBe('130');
  expect(treeDigest(m.dir)).toBe(digest);
});

const SGR = /\x1b\[[0-9;]*m/;
const screenWithEscapes = () => tmux('capture-pane', '-p', '-e', '-S', '-2000', '-t', session);

it('the summary comes again right before the question; d shows the coloured diffs through the pager and asks again', async () => {
  const m = await materialize('webapp-sqlite');
  made.push(m);
  const digest = treeDigest(m.dir);
  const done = path.join(m.dir, '..', `${path.basename(m.dir)}-exit-d`);
  start('diff', `env -u CI -u NO_COLOR -u FORCE_COLOR PAGER=less LESS=R ${process.execPath} ${binPath} add --project ${m.dir}; echo $? > ${done}; sleep 600`);
  let text = await waitFor(/Apply these changes\?/);
  expect(text).toMatch(/plan: \d+ files \(\d+ created, \d+ updated\), \d+ packages, 3 SQL steps\s*\n.*Apply these changes\?/);
  // colour on (a terminal, no NO_COLOR): the question is coloured too
  expect(screenWithEscapes()).toMatch(/\x1b\[\d+m\?.*Apply these changes\?/);
  tmux('send-keys', '-t', session, 'd', 'Enter');
  // less shows the first screen of the diffs, coloured (+ green, - red, @@ cyan); q leaves it.
  text = await waitFor(/^(\+\+\+|---|@@) /m);
  const coloured = screenWithEscapes();
  expect(coloured).toMatch(/\x1b\[3[26]m[@+]/);
  tmux('send-keys', '-t', session, 'q');
  text = await waitFor(/Apply these changes\?[\s\S]*Apply these changes\?/);
  tmux('send-keys', '-t', session, 'n', 'Enter');
  await waitFor(/nothing changed/);
  for (let i = 0; i < 50 && !existsSync(done); i++) await new Promise((r) => setTimeout(r, 100));
  expect(readFileSync(done, 'utf8').trim()).toBe('0');
  expect(treeDigest(m.dir)).toBe(digest);
});

for (const [name, env] of [
  ['NO_COLOR=1', 'NO_COLOR=1'],
  ['TERM=dumb', 'TERM=dumb'],
  ['FORCE_COLOR=0', 'FORCE_COLOR=0'],
] as const) {
  it(`${name}: no colour anywhere, the prompt included`, async () => {
    const m = await materialize('webapp-sqlite');
    made.push(m);
    start(`plain-${name.replace(/\W/g, '')}`, `env -u CI -u NO_COLOR -u FORCE_COLOR ${env} PAGER=cat ${process.execPath} ${binPath} add --project ${m.dir}; sleep 600`);
    await waitFor(/Apply these changes\?/);
    tmux('send-keys', '-t', session, 'd', 'Enter');
    const before = screenWithEscapes();
    expect(before).not.toMatch(SGR);
    await waitFor(/\+\+\+ b\/[\s\S]*Apply these changes\?/);
    // the screen now: the end of the diffs, the summary and the question again
    const text = tmux('capture-pane', '-p', '-e', '-t', session);
    expect(text).toMatch(/Apply these changes\? \(Ynd/);
    expect(text).not.toMatch(SGR);
    tmux('send-keys', '-t', session, 'C-c');
    await waitFor(/cancelled: nothing changed/);
  });
}
