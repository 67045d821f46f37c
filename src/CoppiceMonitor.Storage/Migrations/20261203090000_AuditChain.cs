using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CoppiceMonitor.Storage.Migrations;

/// <summary>
/// The audit log becomes append-only for every login, the owner's included (issue 13):
/// <list type="bullet">
/// <item>audit_events and its chain tables belong to <c>coppice_audit_owner</c>, a NOLOGIN role no login is a member
/// of; nobody is granted INSERT, UPDATE, DELETE or TRUNCATE on them.</item>
/// <item>Rows go in only through <c>audit_append</c> (SECURITY DEFINER, owned by that role), which records the acting
/// account and the database login (session_user, which no session can change).</item>
/// <item>The retention purge is <c>audit_purge</c>, also owned by that role: it refuses a cutoff less than a year
/// back, and leaves each deleted row's id and hash in audit_purged so the chain stays checkable.</item>
/// <item>The triggers trust only current_user (becoming coppice_audit_owner needs membership, which no login
/// has): UPDATE and TRUNCATE are always refused, DELETE unless it runs inside audit_purge.</item>
/// <item>Each row carries prev_hash (the previous row's hash) and row_hash = sha256(prev_hash || canonical row);
/// audit_chain_head holds the newest hash, so an edit, a gap or a cut tail is detectable
/// (<see cref="Retention.AuditChainVerifier"/>, `coppice-monitor audit verify`).</item>
/// </list>
/// A superuser can still do anything (disable triggers, SET ROLE); the chain is what makes that visible.
/// </summary>
[DbContext(typeof(CoppiceDbContext))]
[Migration("20261203090000_AuditChain")]
public sealed class AuditChain : Migration
{
    /// <summary>The NOLOGIN role owning the audit table, its chain and its two functions.</summary>
    public const string AuditOwnerRole = "coppice_audit_owner";

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql("""
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'coppice_audit_owner') THEN
                    CREATE ROLE coppice_audit_owner NOLOGIN;
                END IF;
            END
            $$;

            -- The old guard let a DELETE through when a session-settable custom setting said so.
            DROP TRIGGER IF EXISTS audit_events_no_update ON audit_events;
            DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events;
            DROP FUNCTION IF EXISTS audit_events_guard();
            DROP FUNCTION IF EXISTS audit_events_no_truncate();

            ALTER TABLE audit_events
                ADD COLUMN db_role      text NULL,
                ADD COLUMN recorded_utc timestamptz NULL,
                ADD COLUMN prev_hash    bytea NULL,
                ADD COLUMN row_hash     bytea NULL;

            -- One row: the newest hash of the chain (a cut tail no longer matches it).
            CREATE TABLE audit_chain_head (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                head_id   bigint NULL,
                head_hash bytea NOT NULL
            );
            INSERT INTO audit_chain_head (head_id, head_hash) VALUES (NULL, '\x0000000000000000000000000000000000000000000000000000000000000000');

            -- Rows the retention purge removed: their hashes keep the chain checkable across the gap.
            CREATE TABLE audit_purged (
                id         bigint PRIMARY KEY,
                row_hash   bytea NOT NULL,
                purged_utc timestamptz NOT NULL
            );

            -- Canonical form of one field: byte length ':' text, or '-' for NULL (no separator ambiguity).
            CREATE FUNCTION audit_field(value text) RETURNS text LANGUAGE sql IMMUTABLE AS
            $fn$ SELECT coalesce(octet_length(value)::text || ':' || value, '-') $fn$;

            CREATE FUNCTION audit_row_digest(prev bytea, e audit_events) RETURNS bytea LANGUAGE sql IMMUTABLE AS
            $fn$
                SELECT sha256(prev || convert_to(concat_ws('|',
                    audit_field(e.id::text),
                    audit_field(to_char(e.occurred_utc AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')),
                    audit_field(to_char(e.recorded_utc AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')),
                    audit_field(e.actor), audit_field(e.db_role), audit_field(e.action), audit_field(e.reason),
                    audit_field(e.school_id), audit_field(e.investigation_id::text), audit_field(e.subject_staff_id),
                    audit_field(e.row_count::text), audit_field(e.details::text)), 'UTF8'))
            $fn$;

            -- Chain the rows already there, in id order.
            DO $$
            DECLARE
                r audit_events;
                prev bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
                last_id bigint := NULL;
            BEGIN
                FOR r IN SELECT * FROM audit_events ORDER BY id LOOP
                    r.recorded_utc := r.occurred_utc;
                    r.prev_hash := prev;
                    r.row_hash := audit_row_digest(prev, r);
                    UPDATE audit_events SET recorded_utc = r.recorded_utc, prev_hash = r.prev_hash, row_hash = r.row_hash WHERE id = r.id;
                    prev := r.row_hash;
                    last_id := r.id;
                END LOOP;
                UPDATE audit_chain_head SET head_id = last_id, head_hash = prev;
            END
            $$;
            ALTER TABLE audit_events
                ALTER COLUMN recorded_utc SET NOT NULL,
                ALTER COLUMN prev_hash SET NOT NULL,
                ALTER COLUMN row_hash SET NOT NULL;

            -- Runs as the inserting role, which is coppice_audit_owner inside audit_append and nobody else.
            CREATE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql AS $fn$
            DECLARE
                head public.audit_chain_head;
            BEGIN
                IF current_user <> 'coppice_audit_owner' THEN
                    RAISE EXCEPTION 'audit_events: rows go in through audit_append only' USING ERRCODE = 'insufficient_privilege';
                END IF;
                SELECT * INTO head FROM public.audit_chain_head FOR UPDATE;
                -- The id is taken under the head's lock, so id order is chain order.
                NEW.id := nextval('public.audit_events_id_seq');
                NEW.db_role := session_user;
                NEW.recorded_utc := clock_timestamp();
                NEW.prev_hash := head.head_hash;
                NEW.row_hash := public.audit_row_digest(head.head_hash, NEW);
                UPDATE public.audit_chain_head SET head_id = NEW.id, head_hash = NEW.row_hash;
                RETURN NEW;
            END
            $fn$;
            CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_chain();

            CREATE FUNCTION audit_events_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
                IF TG_OP = 'DELETE' AND current_user = 'coppice_audit_owner'
                   AND OLD.occurred_utc < now() - interval '1 year' THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
            END
            $fn$;
            CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
                FOR EACH ROW EXECUTE FUNCTION audit_events_guard();
            CREATE FUNCTION audit_events_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
                RAISE EXCEPTION 'audit_events is append-only (TRUNCATE refused)' USING ERRCODE = 'insufficient_privilege';
            END
            $fn$;
            CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
                FOR EACH STATEMENT EXECUTE FUNCTION audit_events_no_truncate();
            CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
                FOR EACH STATEMENT EXECUTE FUNCTION audit_events_no_truncate();
            CREATE TRIGGER audit_purged_no_truncate BEFORE TRUNCATE ON audit_purged
                FOR EACH STATEMENT EXECUTE FUNCTION audit_events_no_truncate();

            -- The one way in. actor is the account (an e-mail, or 'retention' for the scheduler); the login is
            -- recorded by the trigger. occurred_utc is the caller's clock (tests run on a fake one); recorded_utc
            -- is the server's.
            CREATE FUNCTION audit_append(p_occurred_utc timestamptz, p_actor text, p_action text, p_reason text,
                p_school_id text, p_investigation_id bigint, p_subject_staff_id text, p_row_count bigint, p_details jsonb)
            RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
            DECLARE
                new_id bigint;
            BEGIN
                IF p_actor IS NULL OR btrim(p_actor) = '' OR p_action IS NULL OR btrim(p_action) = '' THEN
                    RAISE EXCEPTION 'audit_append: actor and action are required' USING ERRCODE = 'invalid_parameter_value';
                END IF;
                INSERT INTO public.audit_events (occurred_utc, actor, action, reason, school_id, investigation_id, subject_staff_id, row_count, details)
                VALUES (coalesce(p_occurred_utc, now()), p_actor, p_action, p_reason, p_school_id, p_investigation_id, p_subject_staff_id, p_row_count, p_details)
                RETURNING id INTO new_id;
                RETURN new_id;
            END
            $fn$;

            -- The retention purge (policy 10.4: audit kept for years). Refuses any cutoff less than a year back,
            -- whatever the caller passes; keeps each removed row's hash.
            CREATE FUNCTION audit_purge(p_before timestamptz) RETURNS bigint
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
            DECLARE
                removed bigint;
            BEGIN
                IF p_before IS NULL OR p_before > now() - interval '1 year' THEN
                    RAISE EXCEPTION 'audit_purge: the audit window is at least a year (cutoff % refused)', p_before
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                PERFORM 1 FROM public.audit_chain_head FOR UPDATE;
                WITH gone AS (DELETE FROM public.audit_events WHERE occurred_utc < p_before RETURNING id, row_hash)
                INSERT INTO public.audit_purged (id, row_hash, purged_utc) SELECT id, row_hash, now() FROM gone;
                GET DIAGNOSTICS removed = ROW_COUNT;
                RETURN removed;
            END
            $fn$;

            REVOKE ALL ON FUNCTION audit_append(timestamptz, text, text, text, text, bigint, text, bigint, jsonb) FROM PUBLIC;
            REVOKE ALL ON FUNCTION audit_purge(timestamptz) FROM PUBLIC;

            -- Hand the audit objects to the NOLOGIN owner. Outside a superuser, ALTER ... OWNER needs membership of the
            -- new owner: take it for the hand-over only.
            DO $$
            DECLARE
                superuser boolean := (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
            BEGIN
                IF NOT superuser THEN
                    EXECUTE format('GRANT coppice_audit_owner TO %I', current_user);
                END IF;
                -- The definer functions the migration runner owns (investigations) append through it.
                EXECUTE format('GRANT EXECUTE ON FUNCTION audit_append(timestamptz, text, text, text, text, bigint, text, bigint, jsonb) TO %I', current_user);
                ALTER TABLE audit_events OWNER TO coppice_audit_owner;
                ALTER TABLE audit_chain_head OWNER TO coppice_audit_owner;
                ALTER TABLE audit_purged OWNER TO coppice_audit_owner;
                ALTER FUNCTION audit_append(timestamptz, text, text, text, text, bigint, text, bigint, jsonb) OWNER TO coppice_audit_owner;
                ALTER FUNCTION audit_purge(timestamptz) OWNER TO coppice_audit_owner;
                ALTER FUNCTION audit_events_chain() OWNER TO coppice_audit_owner;
                ALTER FUNCTION audit_events_guard() OWNER TO coppice_audit_owner;
                ALTER FUNCTION audit_events_no_truncate() OWNER TO coppice_audit_owner;
                IF NOT superuser THEN
                    EXECUTE format('REVOKE coppice_audit_owner FROM %I', current_user);
                END IF;
            END
            $$;
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        // Deliberately one-way: going back would restore a trigger that trusts a session setting.
        migrationBuilder.Sql("SELECT 1;");
    }
}
