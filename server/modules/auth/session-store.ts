// The session store: connect-pg-simple's, except that reading a session also reads, in the same
// prepared statement, the principal it was opened for. Every authenticated request needs both
// (an autosave every 2 s per teacher, 300 students' downloads at once): one round trip to
// PostgreSQL instead of two, and no parse or plan of either. The principal is still read fresh
// on every request: a disabled account or a deleted session is refused at once, whichever API
// process answers.
import session from "express-session";
import connectPgSimple from "connect-pg-simple";
import type pg from "pg";
import type { Config } from "../../lib/config.js";
import type { Principal } from "../../lib/auth/principal.js";
import { preparedStatement } from "../../lib/sql.js";

const PgStore = connectPgSimple(session);

type SessionRow = { sess: session.SessionData & { passport?: { user?: unknown } }; principal: Principal | null };

/** What the session read found for the `passport.user` reference it holds (null: no such active account). */
const principals = new WeakMap<object, Principal | null>();

/** The principal read with the session that holds this reference; null if none was read. */
export const principalReadWith = (ref: object): Principal | null => principals.get(ref) ?? null;

// CASE guards the casts: a reference that is not a UUID finds nobody instead of failing the query.
const sessionWithPrincipal = preparedStatement<SessionRow>("session-with-principal", `
WITH s AS (
  SELECT "sess", "sess" #>> '{passport,user,kind}' AS "kind", "sess" #>> '{passport,user,id}' AS "ref"
  FROM "session" WHERE "sid" = $1 AND "expire" >= now()
)
SELECT s."sess", CASE WHEN s."ref" ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN CASE s."kind"
  WHEN 'staff' THEN (SELECT json_build_object('kind', 'staff', 'id', u."id", 'schoolId', u."schoolId", 'role', u."role"::text,
      'email', u."email", 'displayName', u."displayName")
    FROM "User" u WHERE u."id" = s."ref"::uuid AND NOT u."disabled")
  WHEN 'student' THEN (SELECT json_build_object('kind', 'student', 'id', st."id", 'schoolId', st."schoolId", 'login', st."login",
      'firstName', st."firstName", 'lastName', st."lastName", 'className', st."className")
    FROM "Student" st WHERE st."id" = s."ref"::uuid AND NOT st."disabled")
  END END AS "principal"
FROM s`);

class SessionStore extends PgStore {
  constructor(
    private readonly pool: pg.Pool,
    options: ConstructorParameters<typeof PgStore>[0],
  ) {
    super({ ...options, pool });
  }

  override get(sid: string, done: (err: unknown, sess?: session.SessionData | null) => void): void {
    sessionWithPrincipal(this.pool, [sid]).then(([row]) => {
      if (!row) return done(null, null);
      const ref = row.sess.passport?.user;
      if (ref && typeof ref === "object") principals.set(ref, row.principal);
      done(null, row.sess);
    }, done);
  }
}

export function sessionStore(config: Config, pool: pg.Pool): session.Store {
  return new SessionStore(pool, {
    tableName: "session",
    createTableIfMissing: false,
    // Expired rows are pruned by a timer the store starts at its first write (every session is
    // written at login, and again at least once a minute while in use).
    pruneSessionInterval: config.NODE_ENV === "test" ? false : 15 * 60,
    // No UPDATE of the session row on every request (an autosave every 2 s per teacher): the
    // row's expiry moves when the session is saved, at least once a minute of activity
    // (seenAt, lib/auth/session.ts), far within the idle timeout.
    disableTouch: true,
  });
}
