/**
 * The passkey UI pieces every app shape gets: the models, the tag helper, the shared rules, the endpoints (and
 * their mapping), the <passkey-submit> script and its include in the layout.
 */
import path from 'node:path';
import { render } from '../../core/template.js';
import { globalUsingsFor, type ProjectFacts } from '../../read/project/index.js';
import { findElementScripts } from '../../read/project/scripts.js';
import { listCSharpFiles } from '../../read/project/sources.js';
import { applyEdits, type TextEdit } from '../file-change.js';
import type { StagedTree } from '../tree.js';
import { planEndpointMapping } from './endpoints-edit.js';
import { planPasskeyServices } from './services-edit.js';
import { scriptIncludeEdit } from './markup-edit.js';

export interface UiContext {
  facts: ProjectFacts;
  projectDir: string;
  namespace: string;
  assembly: string;
  userType: string;
  bootstrap: 4 | 5;
  routePrefix: string;
  /** the project enables nullable reference types */
  nullable: boolean;
  /** the staged tree: reads see what earlier parts of the same plan will write, and edits go into it */
  files: StagedTree;
}

export function uiContext(facts: ProjectFacts, routePrefix: string, files: StagedTree): UiContext {
  // As MSBuild evaluated them (the SDK's defaults included: RootNamespace is the project name made an identifier).
  const evaluated = facts.msbuild.evaluated;
  const safe = facts.msbuild.name.replace(/[^\w.]/g, '_').replace(/^(\d)/, '_$1');
  return {
    facts,
    projectDir: facts.msbuild.dir,
    namespace: evaluated.RootNamespace || safe,
    assembly: evaluated.AssemblyName || facts.msbuild.name,
    userType: facts.identity.userTypeReference,
    bootstrap: facts.ui.bootstrap.version ?? 5,
    routePrefix,
    nullable: /^enable$/i.test(evaluated.Nullable ?? ''),
    files,
  };
}

/** The values every UI template may use: names from the app, and the Bootstrap classes of its version. */
export function templateValues(ctx: UiContext): Record<string, string> {
  const bs4 = ctx.bootstrap === 4;
  return {
    Namespace: ctx.namespace,
    UserType: ctx.userType,
    Assembly: ctx.assembly,
    BadgeSynced: bs4 ? 'badge badge-success' : 'badge bg-success',
    BadgeDevice: bs4 ? 'badge badge-secondary' : 'badge bg-secondary',
    VisuallyHidden: bs4 ? 'sr-only' : 'visually-hidden',
  };
}

/** `string?` where the file is in a nullable context, else `string` (no CS8632 warnings either way). */
export function stringType(ctx: UiContext, text: string): string {
  return /^#nullable\s+disable\b/m.test(text) || !ctx.nullable ? 'string' : 'string?';
}

/** A file we write whole: nothing when it is already there as we would write it, a conflict when it differs. */
export function createFile(ctx: UiContext, file: string, text: string, reason: string): void {
  ctx.files.create(file, text, reason);
}

export function editFile(ctx: UiContext, file: string, edit: (text: string) => string, reason: string): void {
  ctx.files.edit(file, edit, reason);
}

export function applyOne(text: string, edit: TextEdit | null): string {
  return edit ? applyEdits(text, [edit]) : text;
}

/** Indents every non-empty line of a block (templates are written at column 0). */
export function indent(block: string, by: string): string {
  return block
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) => (l.length ? by + l : ''))
    .join('\n');
}

export async function planCommonUi(ctx: UiContext): Promise<{ notes: string[] }> {
  const notes: string[] = [];
  const values = { Namespace: ctx.namespace, RoutePrefix: ctx.routePrefix, UserType: ctx.userType };
  const dir = path.join(ctx.projectDir, 'Passkeys');
  for (const name of ['PasskeyInputModel', 'PasskeyOperation', 'PasskeyEndpoints', 'PasskeySubmitTagHelper', 'PasskeyAccount']) {
    createFile(ctx, path.join(dir, `${name}.cs`), render(`ui/common/${name}.cs.tmpl`, values), `passkey ${name}`);
  }
  createFile(ctx, path.join(ctx.projectDir, 'wwwroot', 'js', 'passkey-submit.js'), render('ui/common/passkey-submit.js', {}), 'the <passkey-submit> element');

  const sources = listCSharpFiles(ctx.projectDir);
  notes.push(...(await planPasskeyServices(ctx, [...sources])));
  const mapping = await planEndpointMapping(sources, { namespace: ctx.namespace, userType: ctx.userType, tree: ctx.files, globals: (f) => globalUsingsFor(ctx.facts, f) });
  if (!mapping.mapped) notes.push(`no MapRazorPages/MapControllerRoute call found: add app.MapPasskeyEndpoints<${ctx.userType}>(); where the app maps its endpoints`);

  // An element the app defined itself (the guide's PasskeySubmit.js): it defers to ours, which loads first.
  const theirs = await findElementScripts(ctx.projectDir, (file) => ctx.files.read(file));
  for (const script of theirs.filter((s) => !s.guarded)) {
    const { guardDefine } = await import('./js-edit.js');
    const after = await guardDefine(script.file, ctx.files.read(script.file));
    ctx.files.write(script.file, after, 'the existing <passkey-submit> definition defers to the new one');
  }
  for (const script of theirs) {
    notes.push(`wwwroot/${script.webPath} also defines <passkey-submit> (Microsoft's guide); passkey-submit.js now loads first and is the one used: remove that file and its <script> when nothing else needs it`);
  }
  const earlier = theirs.length ? new RegExp(`(^|/)(${theirs.map((s) => path.basename(s.webPath).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(\\?|$)`, 'i') : undefined;

  const layout = layoutFile(ctx);
  if (layout) {
    editFile(
      ctx,
      layout,
      (text) => {
        const edit = scriptIncludeEdit(text, '<script src="~/js/passkey-submit.js" type="module" asp-append-version="true"></script>', earlier);
        return edit ? applyEdits(text, [edit]) : text;
      },
      'include the <passkey-submit> script',
    );
  } else {
    notes.push('no layout file found for the account pages: add <script src="~/js/passkey-submit.js" type="module"></script> to the layout they use');
  }
  return { notes };
}

function layoutFile(ctx: UiContext): string | null {
  if (ctx.facts.ui.layout) return path.join(ctx.projectDir, ctx.facts.ui.layout);
  for (const candidate of ['Pages/Shared/_Layout.cshtml', 'Views/Shared/_Layout.cshtml']) {
    const full = path.join(ctx.projectDir, candidate);
    if (ctx.files.exists(full)) return full;
  }
  return null;
}
