// Schema of the delivery log, written once for SQLite and PostgreSQL alike: numbered steps,
// each applied once and recorded in schema_migrations. A step whose SQL cannot be shared carries
// its PostgreSQL form in `postgres`.

export type Dialect = 'sqlite' | 'postgres';

export interface Migration {
  version: number;
  name: string;
  /** The step, for both databases unless `postgres` is given. Several statements, no parameters. */
  sql: string;
  /** The PostgreSQL form, when it must differ from `sql`. */
  postgres?: string;
}

/** The bookkeeping table, created before any step runs (same SQL on both databases). */
export const MIGRATIONS_TABLE =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)';

export function migrationSql(m: Migration, dialect: Dialect): string {
  return dialect === 'postgres' ? (m.postgres ?? m.sql) : m.sql;
}

const AUDIT_TABLE = `
  CREATE TABLE admin_audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    address TEXT NOT NULL,
    detail  TEXT NOT NULL
  );
  CREATE INDEX admin_audit_at ON admin_audit (at);
`;

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'hook calls',
    sql: `
      CREATE TABLE hook_calls (
        event_id       TEXT PRIMARY KEY,
        received_at    BIGINT NOT NULL,
        state          TEXT NOT NULL,
        request_type   TEXT NOT NULL,
        channel        TEXT NOT NULL,
        phone_masked   TEXT NOT NULL,
        phone_hash     TEXT NOT NULL,
        country        TEXT,
        user_id        TEXT,
        login          TEXT,
        locale         TEXT NOT NULL,
        preview        INTEGER NOT NULL DEFAULT 0,
        status         TEXT,
        reason         TEXT,
        blocked_by     TEXT,
        provider       TEXT,
        transaction_id TEXT,
        attempts       TEXT,
        attempt_count  INTEGER NOT NULL DEFAULT 0,
        latency_ms     INTEGER,
        answer         TEXT,
        completed_at   BIGINT
      );
      CREATE INDEX hook_calls_received_at ON hook_calls (received_at);
      CREATE INDEX hook_calls_phone_hash ON hook_calls (phone_hash);
      CREATE INDEX hook_calls_transaction_id ON hook_calls (transaction_id);
      CREATE INDEX hook_calls_user_id ON hook_calls (user_id);
    `,
  },
  {
    version: 2,
    name: 'delivery receipts',
    sql: `
      ALTER TABLE hook_calls ADD COLUMN receipt_status TEXT;
      ALTER TABLE hook_calls ADD COLUMN receipt_provider_status TEXT;
      ALTER TABLE hook_calls ADD COLUMN receipt_code TEXT;
      ALTER TABLE hook_calls ADD COLUMN receipt_at BIGINT;
    `,
  },
  {
    version: 3,
    name: 'search by login',
    sql: `
      CREATE INDEX hook_calls_login ON hook_calls (login);
    `,
  },
  {
    version: 4,
    name: 'okta events',
    // The raw-event inbox of the Okta event hook and System Log poller (src/okta/events/), the
    // poller's cursor and lease, and the verification of each hook call. verify_until: the end of
    // the code's life, from Okta's otpExpires (src/store/sql.ts).
    sql: `
      ALTER TABLE hook_calls ADD COLUMN verify_until BIGINT;
      ALTER TABLE hook_calls ADD COLUMN verified_at BIGINT;
      ALTER TABLE hook_calls ADD COLUMN verified_by TEXT;
      ALTER TABLE hook_calls ADD COLUMN verify_basis TEXT;
      ALTER TABLE hook_calls ADD COLUMN verify_failures INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE hook_calls ADD COLUMN verify_failed_at BIGINT;
      CREATE INDEX hook_calls_user_received ON hook_calls (user_id, received_at);
      CREATE TABLE okta_events (
        uuid        TEXT PRIMARY KEY,
        received_at BIGINT NOT NULL,
        published   BIGINT NOT NULL,
        event_type  TEXT NOT NULL,
        source      TEXT NOT NULL,
        raw         TEXT,
        state       TEXT NOT NULL,
        reason      TEXT,
        event_id    TEXT,
        tries       INTEGER NOT NULL DEFAULT 0,
        next_try_at BIGINT NOT NULL,
        settled_at  BIGINT
      );
      CREATE INDEX okta_events_due ON okta_events (state, next_try_at);
      CREATE INDEX okta_events_type_published ON okta_events (event_type, published);
      CREATE TABLE okta_cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL);
      CREATE TABLE okta_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL);
    `,
  },
  {
    version: 5,
    name: 'resend on undelivered',
    // The one resend a call may get when its receipt says undelivered (src/pipeline/resend.ts):
    // resend_state moves from NULL once (claimed under a guard in src/store/resends.ts), then the
    // resend's provider, message id and its own receipt, kept apart from the first answer's.
    sql: `
      ALTER TABLE hook_calls ADD COLUMN resend_state TEXT;
      ALTER TABLE hook_calls ADD COLUMN resend_at BIGINT;
      ALTER TABLE hook_calls ADD COLUMN resend_provider TEXT;
      ALTER TABLE hook_calls ADD COLUMN resend_transaction_id TEXT;
      ALTER TABLE hook_calls ADD COLUMN resend_receipt_status TEXT;
      ALTER TABLE hook_calls ADD COLUMN resend_receipt_provider_status TEXT;
      ALTER TABLE hook_calls ADD COLUMN resend_receipt_code TEXT;
      ALTER TABLE hook_calls ADD COLUMN resend_receipt_at BIGINT;
      CREATE INDEX hook_calls_resend_transaction_id ON hook_calls (resend_transaction_id);
    `,
  },
  {
    version: 6,
    name: 'provider feedback',
    // What each verified send's provider was told (src/feedback/, src/store/feedback.ts): the state
    // (sending while one instance holds it, then sent, refused, failed or dropped), its time, the
    // provider's code when it refused, and the tries. The index finds the verifications still to tell.
    sql: `
      ALTER TABLE hook_calls ADD COLUMN feedback_status TEXT;
      ALTER TABLE hook_calls ADD COLUMN feedback_at BIGINT;
      ALTER TABLE hook_calls ADD COLUMN feedback_code TEXT;
      ALTER TABLE hook_calls ADD COLUMN feedback_tries INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX hook_calls_verified_at ON hook_calls (verified_at);
    `,
  },
  {
    version: 7,
    name: 'admin audit log',
    // Who did what on the admin page (src/store/audit.ts). The id orders the entries and pages them;
    // SQLite and PostgreSQL spell an increasing key differently.
    sql: AUDIT_TABLE,
    postgres: AUDIT_TABLE.replace('INTEGER PRIMARY KEY AUTOINCREMENT', 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY'),
  },
];
