/**
 * The names a cost-aware database derives from its own name: the RDS identifier, the database
 * created with the instance, and the variables a service that uses it receives. Pure and free
 * of @pulumi imports, so config validation and tools use the very same rules as the component.
 */

/** The RDS DB instance identifier: `costguard-<stack>-<name>`, the stack made RDS-safe. */
export function databaseIdentifier(stack: string, name: string): string {
  const safeStack = stack.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "");
  return `costguard-${safeStack ? `${safeStack}-` : ""}${name}`;
}

/** RDS identifiers are at most 63 characters. */
export const MAX_IDENTIFIER_LENGTH = 63;

/** The PostgreSQL database created with the instance. */
export function initialDatabaseName(d: { name: string; databaseName?: string }): string {
  return d.databaseName ?? d.name.replace(/-/g, "_");
}

export interface DatabaseVariables {
  database: string;
  /** Plain environment: host, port, database name, SSL mode. */
  host: string;
  port: string;
  name: string;
  sslMode: string;
  /** Container secrets, read from the RDS-managed secret at task start. */
  user: string;
  password: string;
}

/**
 * The variables a service gets for each database it uses: libpq's own names (PGHOST, PGPORT,
 * PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE), which most PostgreSQL drivers read with no code.
 * A service that uses several databases gets each under its name: REPORTS_PGHOST, ...
 */
export function databaseVariables(databases: readonly string[]): DatabaseVariables[] {
  return databases.map((database) => {
    const prefix = databases.length > 1 ? `${database.toUpperCase().replace(/-/g, "_")}_` : "";
    return {
      database,
      host: `${prefix}PGHOST`,
      port: `${prefix}PGPORT`,
      name: `${prefix}PGDATABASE`,
      sslMode: `${prefix}PGSSLMODE`,
      user: `${prefix}PGUSER`,
      password: `${prefix}PGPASSWORD`,
    };
  });
}
