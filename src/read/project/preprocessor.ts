/**
 * The C# preprocessor's conditional compilation, as the compiler applies it (C# spec, "Preprocessing
 * directives"): `#define`/`#undef` (file scope), `#if`/`#elif`/`#else`/`#endif` with `!`, `&&`, `||`, `==`,
 * `!=`, parentheses, `true` and `false`, evaluated with the project's DefineConstants (from the SDK) plus the
 * file's own `#define`s. The result is the text the compiler skips, so readers see only the active branch and
 * editors know which branches exist. Lines inside multi-line string literals are not directives.
 */

export interface Preprocessed {
  /** [start, end) character ranges the compiler skips */
  inactive: [number, number][];
  /** the symbols defined at the end of the file's leading #define/#undef lines */
  symbols: Set<string>;
  /** conditional sections: each #if and its branches, with the line of each directive */
  conditionals: { branches: { directive: string; line: number; start: number; end: number; active: boolean }[] }[];
}

type Token = { kind: 'id'; value: string } | { kind: 'op'; value: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(&&|\|\||==|!=|!|\(|\)))/y;
  let at = 0;
  const text = expression.replace(/\/\/.*$/, '').trimEnd();
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) {
      if (/^\s*$/.test(text.slice(at))) break;
      throw new Error(`cannot read the preprocessor expression "${expression.trim()}"`);
    }
    tokens.push(m[1] ? { kind: 'id', value: m[1] } : { kind: 'op', value: m[2]! });
    at = re.lastIndex;
  }
  return tokens;
}

/** Evaluates a preprocessor expression (precedence: ! > == != > && > ||). */
export function evaluateCondition(expression: string, symbols: Set<string>): boolean {
  const tokens = tokenize(expression);
  let i = 0;
  const peek = () => tokens[i];
  const take = (value?: string) => {
    const t = tokens[i];
    if (!t || (value !== undefined && t.value !== value)) throw new Error(`cannot read the preprocessor expression "${expression.trim()}"`);
    i++;
    return t;
  };
  const primary = (): boolean => {
    const t = take();
    if (t.kind === 'op' && t.value === '!') return !primary();
    if (t.kind === 'op' && t.value === '(') {
      const v = or();
      take(')');
      return v;
    }
    if (t.kind === 'id') return t.value === 'true' ? true : t.value === 'false' ? false : symbols.has(t.value);
    throw new Error(`cannot read the preprocessor expression "${expression.trim()}"`);
  };
  const equality = (): boolean => {
    let v = primary();
    while (peek()?.value === '==' || peek()?.value === '!=') {
      const op = take().value;
      const r = primary();
      v = op === '==' ? v === r : v !== r;
    }
    return v;
  };
  const and = (): boolean => {
    let v = equality();
    while (peek()?.value === '&&') {
      take();
      v = equality() && v;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (peek()?.value === '||') {
      take();
      v = and() || v;
    }
    return v;
  };
  const value = or();
  if (i !== tokens.length) throw new Error(`cannot read the preprocessor expression "${expression.trim()}"`);
  return value;
}

/**
 * The inactive text of a file for the given project symbols. `verbatim` are [start, end) ranges of multi-line
 * string literals (from the parser), whose lines are never directives.
 */
export function preprocess(text: string, projectSymbols: Iterable<string>, verbatim: [number, number][] = []): Preprocessed {
  const symbols = new Set(projectSymbols);
  const inactive: [number, number][] = [];
  const conditionals: Preprocessed['conditionals'] = [];
  const stack: { parentActive: boolean; taken: boolean; section: Preprocessed['conditionals'][number] }[] = [];
  let active = true;
  let inactiveFrom: number | null = null;
  let offset = 0;
  let lineNumber = 0;
  const setActive = (next: boolean, at: number) => {
    if (active && !next) inactiveFrom = at;
    if (!active && next && inactiveFrom !== null) {
      inactive.push([inactiveFrom, at]);
      inactiveFrom = null;
    }
    active = next;
  };
  const closeBranch = (at: number) => {
    const top = stack[stack.length - 1];
    const branches = top?.section.branches;
    if (branches?.length) branches[branches.length - 1]!.end = at;
  };
  for (const line of text.split('\n')) {
    lineNumber++;
    const start = offset;
    offset += line.length + 1;
    if (verbatim.some(([s, e]) => start > s && start < e)) continue;
    const m = /^\s*#\s*(\w+)(.*)$/.exec(line.replace(/\r$/, ''));
    if (!m) continue;
    const [, directive, rest] = m as unknown as [string, string, string];
    const expression = rest.trim();
    switch (directive) {
      case 'define':
      case 'undef':
        if (active) {
          const name = expression.split(/\s|\/\//)[0]!;
          if (directive === 'define') symbols.add(name);
          else symbols.delete(name);
        }
        break;
      case 'if': {
        const value = active && evaluateCondition(expression, symbols);
        const section = { branches: [{ directive: `#if ${expression}`, line: lineNumber, start: offset, end: offset, active: value }] };
        conditionals.push(section);
        stack.push({ parentActive: active, taken: value, section });
        setActive(value, offset);
        break;
      }
      case 'elif': {
        const top = stack[stack.length - 1];
        if (!top) throw new Error(`#elif without #if at line ${lineNumber}`);
        closeBranch(start);
        const value = top.parentActive && !top.taken && evaluateCondition(expression, symbols);
        top.taken ||= value;
        top.section.branches.push({ directive: `#elif ${expression}`, line: lineNumber, start: offset, end: offset, active: value });
        setActive(value, offset);
        break;
      }
      case 'else': {
        const top = stack[stack.length - 1];
        if (!top) throw new Error(`#else without #if at line ${lineNumber}`);
        closeBranch(start);
        const value = top.parentActive && !top.taken;
        top.taken = true;
        top.section.branches.push({ directive: '#else', line: lineNumber, start: offset, end: offset, active: value });
        setActive(value, offset);
        break;
      }
      case 'endif': {
        const top = stack.pop();
        if (!top) throw new Error(`#endif without #if at line ${lineNumber}`);
        const branches = top.section.branches;
        branches[branches.length - 1]!.end = start;
        setActive(top.parentActive, start);
        break;
      }
      default:
        break; // #region, #nullable, #pragma, #line, #error, #warning: no effect on what is compiled here
    }
  }
  if (!active && inactiveFrom !== null) inactive.push([inactiveFrom, text.length]);
  return { inactive, symbols, conditionals };
}

export function isInactive(pre: Preprocessed | undefined, offset: number): boolean {
  return !!pre && pre.inactive.some(([s, e]) => offset >= s && offset < e);
}
