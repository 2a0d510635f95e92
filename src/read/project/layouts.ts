/**
 * Which layout a Razor page or view really renders in, the way ASP.NET Core's Razor view engine finds it: the
 * page's own `Layout = "..."`, else the innermost `_ViewStart.cshtml` from the application root down to the page's
 * folder that sets one; a name without a path is looked up where the view engine looks (the page's folder and its
 * parents, then Shared folders of the area and the app; for MVC views the controller's folder, then Shared).
 * Layouts that set a Layout themselves are followed to the outermost one. A layout the app does not have (the
 * Identity UI package's own) ends the chain as "package".
 */
import path from 'node:path';

export interface ViewLocation {
  /** the page or view, absolute */
  file: string;
  kind: 'page' | 'view';
  /** the area of the page or the controller ("Identity" for Identity pages) */
  area: string | null;
  /** the controller whose views folder the view is in (MVC views) */
  controller?: string;
  /** the Identity UI package is referenced: its own _ViewStart (Areas/Identity/Pages) applies where the app has none */
  identityUiPackage?: boolean;
}

export interface LayoutChain {
  /** the app's layouts, innermost first (absolute paths) */
  files: string[];
  /** the outermost layout of the app's own, where scripts for every environment go */
  root: string | null;
  /** the chain ends in a layout the app does not have (a package's), or the page sets `Layout = null` */
  ends: 'app' | 'package' | 'none';
  /** where the first layout was named: the page itself or a _ViewStart (absolute path) */
  setBy: string | null;
}

type Read = (file: string) => string | null;

/** `Layout = "x"` in the page's code (a null assignment is ""); undefined when the file does not set it. */
export function layoutAssignment(text: string): string | undefined {
  const m = /(?:^|[\s{;])Layout\s*=\s*(?:"([^"]*)"|(null)\s*;)/m.exec(text.replace(/@\*[\s\S]*?\*@/g, ''));
  if (!m) return undefined;
  return m[2] ? '' : m[1]!;
}

/** Folders from the project down to `dir` (inclusive), outermost first. */
function foldersDown(projectDir: string, dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; d.startsWith(projectDir); d = path.dirname(d)) {
    out.unshift(d);
    if (d === projectDir) break;
  }
  return out;
}

function searchDirs(projectDir: string, at: ViewLocation, from: string): string[] {
  const areaRoot = at.area ? path.join(projectDir, 'Areas', at.area) : projectDir;
  if (at.kind === 'page') {
    const pagesRoot = path.join(areaRoot, 'Pages');
    const hierarchy = foldersDown(pagesRoot, path.dirname(from)).reverse();
    return [
      ...hierarchy,
      path.join(pagesRoot, 'Shared'),
      ...(at.area ? [path.join(areaRoot, 'Views', 'Shared')] : []),
      path.join(projectDir, 'Pages', 'Shared'),
      path.join(projectDir, 'Views', 'Shared'),
    ];
  }
  return [
    ...(at.controller ? [path.join(areaRoot, 'Views', at.controller)] : []),
    path.join(areaRoot, 'Views', 'Shared'),
    ...(at.area ? [path.join(projectDir, 'Views', 'Shared')] : []),
    path.join(projectDir, 'Pages', 'Shared'),
  ];
}

/** The layout file a name refers to, seen from `from` (a page or a layout); null when the app has none. */
function resolveName(projectDir: string, at: ViewLocation, from: string, name: string, exists: (f: string) => boolean): string | null {
  if (/^~?\//.test(name)) {
    const full = path.join(projectDir, name.replace(/^~?\//, ''));
    return exists(full) ? full : null;
  }
  if (/[\\/]/.test(name)) {
    const full = path.resolve(path.dirname(from), name);
    return exists(full) ? full : null;
  }
  const file = name.endsWith('.cshtml') ? name : `${name}.cshtml`;
  for (const dir of searchDirs(projectDir, at, from)) {
    const full = path.join(dir, file);
    if (exists(full)) return full;
  }
  return null;
}

/**
 * The layout files of the Identity UI package (Areas/Identity/Pages), as they behave: an app file at the same path
 * overrides each. The package's manage _ViewStart hands the layout chosen so far to its manage layout
 * (ViewData["ParentLayout"]), so its manage pages render in the app's layout when the app's _ViewStart names one.
 */
const PACKAGE_FILES: Record<string, string> = {
  'Areas/Identity/Pages/_ViewStart.cshtml': '@{ Layout = "/Areas/Identity/Pages/_Layout.cshtml"; }',
  'Areas/Identity/Pages/Account/Manage/_ViewStart.cshtml': '@{ ViewData["ParentLayout"] = Layout; Layout = "./_Layout.cshtml"; }',
  'Areas/Identity/Pages/Account/Manage/_Layout.cshtml':
    '@{ if (ViewData.TryGetValue("ParentLayout", out var parentLayout)) { Layout = (string?)parentLayout; } else { Layout = "/Areas/Identity/Pages/_Layout.cshtml"; } }',
  'Areas/Identity/Pages/_Layout.cshtml': '<!-- the package layout: renders a Scripts section --></body>',
};

export function layoutChain(projectDir: string, at: ViewLocation, readApp: Read): LayoutChain {
  const packaged = new Set<string>();
  const read = (file: string): string | null => {
    const own = readApp(file);
    if (own !== null || !at.identityUiPackage) return own;
    const virtual = PACKAGE_FILES[path.relative(projectDir, file).split(path.sep).join('/')];
    if (virtual !== undefined) packaged.add(file);
    return virtual ?? null;
  };
  const exists = (f: string) => read(f) !== null;
  let name: string | undefined;
  let parentLayout: string | undefined;
  let setBy: string | null = null;
  const own = readApp(at.file);
  if (own !== null) {
    name = layoutAssignment(own);
    if (name !== undefined) setBy = at.file;
  }
  if (name === undefined) {
    // _ViewStart files run outermost first, each seeing the layout the ones before chose; the last assignment wins.
    for (const dir of foldersDown(projectDir, path.dirname(at.file))) {
      const viewStart = path.join(dir, '_ViewStart.cshtml');
      const text = read(viewStart);
      if (text === null) continue;
      if (/ViewData\[\s*"ParentLayout"\s*\]\s*=\s*Layout\s*;/.test(text)) parentLayout = name;
      const value = layoutAssignment(text);
      if (value !== undefined) {
        name = value;
        setBy = packaged.has(viewStart) ? null : viewStart;
      }
    }
  }
  if (name === undefined) return { files: [], root: null, ends: 'none', setBy };
  const files: string[] = [];
  let from = at.file;
  let ends: LayoutChain['ends'] = 'none';
  for (let hops = 0; name && hops < 8; hops++) {
    const file = resolveName(projectDir, at, from, name, exists);
    if (!file) {
      ends = 'package';
      break;
    }
    if (packaged.has(file) && PACKAGE_FILES['Areas/Identity/Pages/_Layout.cshtml'] === read(file)) {
      ends = 'package';
      break;
    }
    if (files.includes(file)) break;
    if (!packaged.has(file)) files.push(file);
    const text = read(file) ?? '';
    name = /TryGetValue\(\s*"ParentLayout"/.test(text) && parentLayout !== undefined ? parentLayout : layoutAssignment(text) || undefined;
    from = file;
    ends = 'app';
  }
  const root = files.at(-1) ?? null;
  return { files, root, ends: ends === 'app' && root ? 'app' : ends === 'package' ? 'package' : 'none', setBy };
}
