/**
 * The UI shape of the app's account pages: Identity UI default pages, scaffolded Identity pages, or MVC
 * controllers with views; the Bootstrap version; the layout the account pages render in.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readText } from '../text.js';
import path from 'node:path';
import type { UiShape } from '../facts.js';
import type { SourceFile } from './sources.js';

export interface UiFacts {
  shape: UiShape;
  /** scaffolded Identity pages, relative to Areas/Identity/Pages, e.g. "Account/Login" */
  scaffoldedPages: string[];
  mvc: { accountController: string; manageController: string | null; loginView: string | null; area: string | null } | null;
  bootstrap: { version: 4 | 5 | null; source: string };
  /** the layout file the account pages use (relative to the project), when it is one of the app's files */
  layout: string | null;
  identityUiPackage: boolean;
  /** the MVC ManageController, found whether or not sign-in is MVC too */
  manageController: { file: string; area: string | null } | null;
  /** every place the app lets a signed-in user manage the account, and which one its menu links to */
  manage: { candidates: ManageCandidate[]; link: AccountLink | null };
  /** an AccountController in another project of the app (a module / Razor class library), absolute path */
  accountElsewhere: string | null;
}

export interface ManageCandidate {
  kind: 'razor' | 'mvc';
  /** for people: "Identity UI pages (/Identity/Account/Manage)" or "ManageController (Controllers/ManageController.cs)" */
  description: string;
}

/** The account menu's link to account management, as the layout or login partial writes it. */
export interface AccountLink {
  kind: 'razor' | 'mvc';
  /** relative to the project */
  file: string;
  line: number;
}

export function readUi(options: { projectDir: string; sources: SourceFile[]; identityUiFrameworkVersion?: string; identityUiPackage: boolean }): UiFacts {
  const { projectDir, sources } = options;
  const webSources = sources.filter((s) => s.projectDir === projectDir);
  const account = webSources.find((s) => /\bclass\s+AccountController\b/.test(s.text));
  const manage = webSources.find((s) => /\bclass\s+ManageController\b/.test(s.text));
  const identityPagesDir = path.join(projectDir, 'Areas', 'Identity', 'Pages');
  const scaffoldedPages = listPages(identityPagesDir);

  let shape: UiShape = 'unknown';
  let mvc: UiFacts['mvc'] = null;
  if (account) {
    const area = /[\\/]Areas[\\/]([^\\/]+)[\\/]Controllers[\\/]/.exec(account.path)?.[1] ?? null;
    const viewsRoot = area ? path.join(projectDir, 'Areas', area, 'Views') : path.join(projectDir, 'Views');
    const loginView = path.join(viewsRoot, 'Account', 'Login.cshtml');
    shape = 'mvc-controllers';
    mvc = {
      accountController: rel(projectDir, account.path),
      manageController: manage ? rel(projectDir, manage.path) : null,
      loginView: existsSync(loginView) ? rel(projectDir, loginView) : null,
      area,
    };
  } else if (scaffoldedPages.length > 0) {
    shape = 'identity-ui-scaffolded';
  } else if (options.identityUiPackage) {
    shape = 'identity-ui-default';
  }

  const layout = shape === 'mvc-controllers' ? mvcLayout(projectDir, mvc?.area ?? null) : identityLayout(projectDir);
  const manageController = manage ? { file: rel(projectDir, manage.path), area: /[\\/]Areas[\\/]([^\\/]+)[\\/]Controllers[\\/]/.exec(manage.path)?.[1] ?? null } : null;
  const candidates: ManageCandidate[] = [];
  if (options.identityUiPackage || scaffoldedPages.some((p) => p.startsWith('Account/Manage/'))) {
    candidates.push({
      kind: 'razor',
      description: `Identity ${scaffoldedPages.some((p) => p.startsWith('Account/Manage/')) ? 'scaffolded' : 'UI'} pages (/Identity/Account/Manage)`,
    });
  }
  if (manageController) candidates.push({ kind: 'mvc', description: `ManageController (${manageController.file})` });
  return {
    shape,
    scaffoldedPages,
    mvc,
    bootstrap: bootstrapVersion(projectDir, options.identityUiFrameworkVersion, shape, layout),
    layout,
    identityUiPackage: options.identityUiPackage,
    manageController,
    manage: { candidates, link: accountLink(projectDir) },
    accountElsewhere: sources.find((s) => s.projectDir !== projectDir && /\bclass\s+AccountController\b/.test(s.text))?.path ?? null,
  };
}

/** Link patterns to account management: an MVC Manage action, or the Identity pages under Account/Manage. */
const MANAGE_LINKS: { kind: 'razor' | 'mvc'; pattern: RegExp }[] = [
  { kind: 'mvc', pattern: /\basp-controller\s*=\s*"Manage"|Url\.Action\(\s*"\w+"\s*,\s*"Manage"|href\s*=\s*"~?\/Manage(\/|")/i },
  { kind: 'razor', pattern: /\basp-page\s*=\s*"\/Account\/Manage\/|Url\.Page\(\s*"\/Account\/Manage\/|href\s*=\s*"~?\/Identity\/Account\/Manage/i },
];

/** The first account-management link in the login partials, then the shared layouts (what the menu shows). */
function accountLink(projectDir: string): AccountLink | null {
  const shared = ['Views/Shared', 'Pages/Shared', 'Pages', 'Views'].map((d) => path.join(projectDir, d));
  const files: string[] = [];
  for (const dir of shared) {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir)
        .filter((f) => f.endsWith('.cshtml'))
        .sort();
    } catch {
      continue;
    }
    files.push(...entries.filter((f) => /^_LoginPartial/i.test(f)).map((f) => path.join(dir, f)));
  }
  for (const dir of shared) {
    try {
      files.push(
        ...readdirSync(dir)
          .filter((f) => /^_.*Layout.*\.cshtml$/i.test(f))
          .sort()
          .map((f) => path.join(dir, f)),
      );
    } catch {
      // no such folder
    }
  }
  for (const file of files) {
    const text = readText(file);
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const found = MANAGE_LINKS.find((l) => l.pattern.test(lines[i]!));
      if (found) return { kind: found.kind, file: rel(projectDir, file), line: i + 1 };
    }
  }
  return null;
}

function listPages(dir: string): string[] {
  const out: string[] = [];
  const visit = (current: string, prefix: string): void => {
    if (!existsSync(current)) return;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.isDirectory()) visit(path.join(current, entry.name), `${prefix}${entry.name}/`);
      else if (entry.name.endsWith('.cshtml') && !/^_View(Start|Imports)\.cshtml$/.test(entry.name)) {
        out.push(prefix + entry.name.replace(/\.cshtml$/, ''));
      }
    }
  };
  visit(dir, '');
  return out.sort();
}

function layoutFromViewStart(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  return /Layout\s*=\s*"([^"]+)"/.exec(readText(file))?.[1];
}

function resolveLayout(projectDir: string, value: string, searchDirs: string[]): string | null {
  if (value.startsWith('/') || value.startsWith('~/')) {
    const full = path.join(projectDir, value.replace(/^~?\//, ''));
    return existsSync(full) ? rel(projectDir, full) : null;
  }
  const name = value.endsWith('.cshtml') ? value : `${value}.cshtml`;
  for (const dir of searchDirs) {
    const full = path.join(projectDir, dir, name);
    if (existsSync(full)) return rel(projectDir, full);
  }
  return null;
}

function identityLayout(projectDir: string): string | null {
  const fromArea = layoutFromViewStart(path.join(projectDir, 'Areas', 'Identity', 'Pages', '_ViewStart.cshtml'));
  if (fromArea) return resolveLayout(projectDir, fromArea, ['Areas/Identity/Pages/Shared', 'Pages/Shared', 'Views/Shared']);
  // Without an area _ViewStart the Identity UI renders in its own layout, which lives in the package.
  return null;
}

function mvcLayout(projectDir: string, area: string | null): string | null {
  const viewStarts = area
    ? [path.join(projectDir, 'Areas', area, 'Views', '_ViewStart.cshtml'), path.join(projectDir, 'Views', '_ViewStart.cshtml')]
    : [path.join(projectDir, 'Views', '_ViewStart.cshtml')];
  for (const file of viewStarts) {
    const value = layoutFromViewStart(file);
    if (value) {
      return resolveLayout(projectDir, value, [...(area ? [`Areas/${area}/Views/Shared`] : []), 'Views/Shared', 'Pages/Shared']);
    }
  }
  return null;
}

function bootstrapVersion(projectDir: string, frameworkVersion: string | undefined, shape: UiShape, layout: string | null): UiFacts['bootstrap'] {
  if (frameworkVersion && /Bootstrap([45])/i.test(frameworkVersion)) {
    return { version: Number(/Bootstrap([45])/i.exec(frameworkVersion)![1]) as 4 | 5, source: 'IdentityUIFrameworkVersion' };
  }
  const libCss = path.join(projectDir, 'wwwroot', 'lib', 'bootstrap', 'dist', 'css', 'bootstrap.css');
  if (existsSync(libCss)) {
    const major = /Bootstrap\s+v(\d)/.exec(readFileSync(libCss, 'utf8').slice(0, 400))?.[1];
    if (major === '4' || major === '5') return { version: Number(major) as 4 | 5, source: 'wwwroot/lib/bootstrap' };
  }
  if (layout) {
    const markup = readText(path.join(projectDir, layout));
    const v = /bootstrap@(\d)|bootstrap\/(\d)\./.exec(markup);
    const major = v?.[1] ?? v?.[2];
    if (major === '4' || major === '5') return { version: Number(major) as 4 | 5, source: layout };
  }
  // Markup that exists in only one of the two versions, in the layout and the login view.
  const views = [layout, shape === 'mvc-controllers' ? 'Views/Account/Login.cshtml' : 'Areas/Identity/Pages/Account/Login.cshtml'];
  for (const view of views) {
    if (!view || !existsSync(path.join(projectDir, view))) continue;
    const markup = readText(path.join(projectDir, view));
    if (/\b(data-bs-toggle|form-floating|btn-close|form-select)\b|\b(ms|me)-(auto|\d)\b/.test(markup)) return { version: 5, source: `${view} markup` };
    if (/\b(data-toggle|form-group|custom-control|custom-select)\b|\b(ml|mr)-(auto|\d)\b/.test(markup)) return { version: 4, source: `${view} markup` };
  }
  if (shape === 'identity-ui-default' || shape === 'identity-ui-scaffolded') {
    return { version: 5, source: 'Identity UI default (Bootstrap5)' };
  }
  return { version: null, source: 'not found' };
}

function rel(projectDir: string, full: string): string {
  return path.relative(projectDir, full).split(path.sep).join('/');
}
