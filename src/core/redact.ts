/**
 * Secrets never reach the terminal or --json. Two layers:
 * - redactConnectionString() masks password-like keys of ADO.NET strings and the password of URLs;
 * - every password we parse is registered, and redactText() masks it wherever it appears (driver errors too).
 */
const secrets = new Set<string>();
export const MASK = '***';

export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 3) secrets.add(value);
}

export function redactText(text: string): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(MASK);
  }
  // URL credentials: scheme://user:password@host
  out = out.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)([^@\s]+)(@)/gi, `$1${MASK}$3`);
  return out;
}

/** Masks Password=...; in an ADO.NET connection string, keeping everything else byte for byte. */
export function redactConnectionString(value: string): string {
  const masked = value.replace(PASSWORD_SEGMENT, (_all, lead: string, key: string, raw: string) => {
    registerSecret(unquote(raw.trim()));
    return `${lead}${key}=${MASK}`;
  });
  return redactText(masked);
}

// key = "quoted;value" | 'quoted' | plain-up-to-semicolon, for the password keys of SqlClient, Npgsql, MySqlConnector
const PASSWORD_SEGMENT = /(^|;)(\s*(?:password|pwd)\s*)=(\s*(?:"(?:[^"]|"")*"|'(?:[^']|'')*'|[^;]*))/gi;

function unquote(value: string): string {
  const q = value[0];
  if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) {
    return value
      .slice(1, -1)
      .split(q + q)
      .join(q);
  }
  return value;
}

/** Deep-redacts every string in a JSON-able value. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
    return out as T;
  }
  return value;
}
