/** The test servers started by global-setup (scripts/services.sh), as driver settings. */
function parts(connectionString: string | undefined, name: string): Record<string, string> {
  if (!connectionString) throw new Error(`${name} is not set: the test setup starts the database services`);
  return Object.fromEntries(
    connectionString
      .split(';')
      .filter(Boolean)
      .map((part) => {
        const [k, ...v] = part.split('=');
        return [k!.trim().toLowerCase(), v.join('=')];
      }),
  );
}

/** pg.Client settings for the test PostgreSQL server, in the given database. */
export function pgSettings(database: string) {
  const p = parts(process.env.PKM_PG, 'PKM_PG');
  return { host: p.host, port: Number(p.port), user: p.username, password: p.password, database };
}

/** mysql2 settings for the test MariaDB server, optionally in a database. */
export function mysqlSettings(database?: string) {
  const p = parts(process.env.PKM_MYSQL, 'PKM_MYSQL');
  return { host: p.server, port: Number(p.port), user: p.user, password: p.password, database };
}
