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
import { layoutChain, type ViewLocation } from '../../read/project/layouts.js';
import { addTagHelperEdit, scriptIncludeEdit } from './markup-edit.js';
import type { UiContext } from './context.js';

export { indent, type UiContext, type UiPart } from './context.js';

export function uiContext(facts: ProjectFacts, routePrefix: string, files: StagedTree, choices: { ignorePostLogin: boolean; prompt: boolean }): UiContext {
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
    ...choices,
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

/**
 * The passkey tag helper registered in the _ViewImports.cshtml of `folder` (edited, or made from `template` when
 * the folder has none), so that the views below it can use <passkey-submit-button>.
 */
export function ensureTagHelper(ctx: UiContext, folder: string, template: string, values: Record<string, string>, reason: string): void {
  const imports = path.join(folder, '_ViewImports.cshtml');
  if (ctx.files.exists(imports)) editFile(ctx, imports, (t) => applyOne(t, addTagHelperEdit(t, ctx.assembly)), 'register the passkey tag helper');
  else createFile(ctx, imports, render(template, values), reason);
}

/**
 * The enrollment prompt's markup (the same for every UI kind; `actions` are the Razor expressions of its three
 * form targets).
 */
export function promptBody(actions: { add: string; later: string; never: string }): string {
  return render('ui/common/PasskeyPrompt.cshtml.body.tmpl', { AddAction: actions.add, LaterAction: actions.later, NeverAction: actions.never }).trimEnd();
}

export async function planCommonUi(ctx: UiContext, elementPages: ViewLocation[], paths: { passkeys: string; prompt: string }): Promise<{ notes: string[] }> {
  const notes: string[] = [];
  const values = {
    Namespace: ctx.namespace,
    RoutePrefix: ctx.routePrefix,
    UserType: ctx.userType,
    PasskeysPath: paths.passkeys,
    PromptPath: paths.prompt,
    PromptOn: ctx.prompt ? 'true' : 'false',
  };
  const dir = path.join(ctx.projectDir, 'Passkeys');
  for (const name of ['PasskeyInputModel', 'PasskeyOperation', 'PasskeyEndpoints', 'PasskeySubmitTagHelper', 'PasskeyAccount', 'PasskeyPrompt']) {
    createFile(ctx, path.join(dir, `${name}.cs`), render(`ui/common/${name}.cs.tmpl`, values), `passkey ${name}`);
  }
  createFile(ctx, path.join(ctx.projectDir, 'wwwroot', 'js', 'passkey-submit.js'), render('ui/common/passkey-submit.js', {}), 'the <passkey-submit> element');

  const sources = listCSharpFiles(ctx.projectDir);
  notes.push(...(await planPasskeyServices(ctx, [...sources])));
  const mapping = await planEndpointMapping(sources, {
    namespace: ctx.namespace,
    userType: ctx.userType,
    tree: ctx.files,
    globals: (f) => globalUsingsFor(ctx.facts, f),
    rateLimitPolicy: ctx.rateLimitPolicy,
  });
  if (!mapping.mapped) notes.push(`no MapRazorPages/MapControllerRoute call found: add app.MapPasskeyEndpoints<${ctx.userType}>(); where the app maps its endpoints`);

  // An element the app defined itself (the guide's PasskeySubmit.js): it defers to ours, which loads first.
  const theirs = await findElementScripts(ctx.projectDir, (file) => ctx.files.read(file));
  for (const script of theirs.filter((s) => !s.guarded)) {
    const { guardDefine } = await import('./js-edit.js');
    const after = await guardDefine(script.file, ctx.files.read(script.file));
    ctx.files.write(script.file, after, 'the existing <passkey-submit> definition defers to the new one');
  }
  for (const script of theirs) {
    notes.push(
      `wwwroot/${script.webPath} also defines <passkey-submit> (Microsoft's guide); passkey-submit.js now loads first and is the one used: remove that file and its <script> when nothing else needs it`,
    );
  }
  const earlier = theirs.length ? new RegExp(`(^|/)(${theirs.map((s) => path.basename(s.webPath).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(\\?|$)`, 'i') : undefined;

  notes.push(...planScriptInclude(ctx, elementPages, earlier));
  return { notes };
}

const SCRIPT_TAG = '<script src="~/js/passkey-submit.js" type="module" asp-append-version="true"></script>';

/**
 * The script include where the element's pages really load it: the outermost layout of the app's own that each
 * page renders in (outside any <environment> block); a page whose layout is a package's (the Identity UI's own,
 * which renders a Scripts section) gets it in its own `@section Scripts`.
 */
function planScriptInclude(ctx: UiContext, pages: ViewLocation[], earlier: RegExp | undefined): string[] {
  const notes: string[] = [];
  const read = (file: string) => (ctx.files.exists(file) ? ctx.files.read(file) : null);
  const rel = (file: string) => path.relative(ctx.projectDir, file).split(path.sep).join('/');
  const byLayout = new Map<string, string[]>();
  for (const page of pages) {
    const chain = layoutChain(ctx.projectDir, page, read);
    const name = rel(page.file).replace(/\.cshtml$/, '');
    if (chain.ends === 'app' && chain.root) {
      byLayout.set(chain.root, [...(byLayout.get(chain.root) ?? []), name]);
    } else if (chain.ends === 'package') {
      editFile(ctx, page.file, (text) => pageScriptInclude(text, SCRIPT_TAG), "include the <passkey-submit> script (the page renders in the Identity UI package's layout)");
    } else {
      notes.push(`${rel(page.file)} renders in no layout passkey-migrate can edit: add ${SCRIPT_TAG} to it`);
    }
  }
  for (const [layout, names] of byLayout) {
    let placed = false;
    editFile(
      ctx,
      layout,
      (text) => {
        const edit = scriptIncludeEdit(text, SCRIPT_TAG, earlier);
        placed = edit !== null || text.includes('passkey-submit.js');
        return edit ? applyEdits(text, [edit]) : text;
      },
      `include the <passkey-submit> script (the layout of ${names.join(', ')})`,
    );
    if (!placed) notes.push(`${rel(layout)} has neither a Scripts section nor </body>: add ${SCRIPT_TAG} where it loads scripts`);
  }
  return notes;
}

/** The include as the first line of the page's `@section Scripts { ... }`, or a new section at the end. */
export function pageScriptInclude(text: string, tag: string): string {
  if (text.includes('passkey-submit.js')) return text;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const section = /^([ \t]*)@section\s+scripts\s*\{[ \t]*\r?\n/im.exec(text);
  if (section) {
    const at = section.index + section[0].length;
    return `${text.slice(0, at)}${section[1]}    ${tag}${eol}${text.slice(at)}`;
  }
  const sep = text.length && !text.endsWith('\n') ? eol : '';
  return `${text}${sep}${eol}@section Scripts {${eol}    ${tag}${eol}}${eol}`;
}
