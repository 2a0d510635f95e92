/** Shared vocabulary of the read stage. */
export type ProviderName = 'sqlite' | 'sqlserver' | 'postgres' | 'mysql';

export type IdentityTableRole =
  | 'users'
  | 'roles'
  | 'userClaims'
  | 'userLogins'
  | 'userTokens'
  | 'userRoles'
  | 'roleClaims'
  | 'userPasskeys';

export type UiShape = 'identity-ui-default' | 'identity-ui-scaffolded' | 'mvc-controllers' | 'unknown';

export const PROVIDER_LABELS: Record<ProviderName, string> = {
  sqlite: 'SQLite',
  sqlserver: 'SQL Server',
  postgres: 'PostgreSQL',
  mysql: 'MySQL/MariaDB',
};
