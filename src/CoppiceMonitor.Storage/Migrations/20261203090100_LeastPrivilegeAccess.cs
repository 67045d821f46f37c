using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CoppiceMonitor.Storage.Migrations;

/// <summary>
/// What each role can reach, in the database itself (issue 13; grants are in deploy/postgres/roles.sql):
/// <list type="bullet">
/// <item>login_schools binds a login to the schools it serves ('*' = every school); only the owner and admin can
/// change it. <c>coppice_school_visible</c> answers for the session's login: ingest and reporting logins see only
/// their mapped schools, admin logins and superusers every school. Row-level security on schools, staff, devices,
/// anonymous_usage, report_runs and investigations uses it. Visit, observation and lease tables carry no policy:
/// no ingest or reporting login may read them at all (ingest only COPYs in, which row-level security would
/// forbid), and admin is not school-scoped.</item>
/// <item>Reports read per-person, per-service, per-local-day totals through <c>report_staff_usage</c> and
/// <c>report_coverage</c>, whole local days only; no reporting login can select a visit.</item>
/// <item>Visit-level rows come only from the investigation functions, which check the subject is in the
/// registry, the acting account is a staff member of that school with the HR or Headteacher role, and append
/// the audit row in the same transaction.</item>
/// <item>Ingest adds to anonymous totals with <c>anonymous_usage_add</c> (additions only), and learns which
/// devices an open investigation holds with <c>ingest_held_devices</c> (for special-category names).</item>
/// </list>
/// </summary>
[DbContext(typeof(CoppiceDbContext))]
[Migration("20261203090100_LeastPrivilegeAccess")]
public sealed class LeastPrivilegeAccess : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql(SchoolScope);
        migrationBuilder.Sql(ReportFunctions);
        migrationBuilder.Sql(InvestigationFunctions);
        migrationBuilder.Sql(IngestFunctions);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql("""
            DROP FUNCTION IF EXISTS ingest_held_devices(text), anonymous_usage_add(text[], date[], text[], text[], smallint[], bigint[], integer[]),
                investigation_visits(bigint, text, text, text, timestamptz), investigation_close(bigint, text, text, timestamptz),
                investigation_open(text, text, timestamptz, timestamptz, text, text, timestamptz), investigation_actor_role(text, text),
                report_coverage(text, text, date, date, text, text), report_staff_usage(text, text, date, date, text[], text[]);
            DO $$
            DECLARE t text;
            BEGIN
                FOREACH t IN ARRAY ARRAY['schools', 'staff', 'devices', 'anonymous_usage', 'report_runs', 'investigations'] LOOP
                    EXECUTE format('DROP POLICY IF EXISTS school_scope ON %I', t);
                    EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
                END LOOP;
            END
            $$;
            DROP FUNCTION IF EXISTS coppice_school_visible(text);
            DROP TABLE IF EXISTS login_schools;
            """);
    }

    private const string SchoolScope = """
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'coppice_ingest') THEN CREATE ROLE coppice_ingest NOLOGIN; END IF;
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'coppice_reporting') THEN CREATE ROLE coppice_reporting NOLOGIN; END IF;
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'coppice_admin') THEN CREATE ROLE coppice_admin NOLOGIN; END IF;
        END
        $$;

        -- A school's sensor or report login and the schools it serves. The logins themselves get no right on it.
        CREATE TABLE login_schools (
            login     name NOT NULL,
            school_id text NOT NULL,
            PRIMARY KEY (login, school_id)
        );

        -- session_user is the login that connected: neither SET ROLE nor a definer function changes it.
        CREATE FUNCTION coppice_school_visible(p_school text) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
            SELECT CASE
                WHEN r.rolsuper OR r.rolbypassrls THEN true
                WHEN pg_has_role(session_user, 'coppice_ingest', 'MEMBER') OR pg_has_role(session_user, 'coppice_reporting', 'MEMBER')
                    THEN EXISTS (SELECT 1 FROM public.login_schools m WHERE m.login = session_user AND m.school_id IN (p_school, '*'))
                ELSE true
            END
            FROM pg_roles r WHERE r.rolname = session_user
        $fn$;

        DO $$
        DECLARE t text;
        BEGIN
            FOREACH t IN ARRAY ARRAY['schools', 'staff', 'devices', 'anonymous_usage', 'report_runs', 'investigations'] LOOP
                EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
                EXECUTE format('CREATE POLICY school_scope ON %I USING (coppice_school_visible(school_id)) WITH CHECK (coppice_school_visible(school_id))', t);
            END LOOP;
        END
        $$;
        """;

    private const string ReportFunctions = """
        -- Whole local days [p_from, p_to] in p_zone: the narrowest window is a day, so no visit can be isolated.
        CREATE FUNCTION report_staff_usage(p_school text, p_zone text, p_from date, p_to date, p_categories text[], p_staff text[])
        RETURNS TABLE (staff_id text, service text, category text, local_date date, active_minutes numeric, directed_minutes numeric,
                       break_minutes numeric, non_directed_minutes numeric, outside_hours_minutes numeric,
                       work_active_minutes numeric, work_directed_minutes numeric)
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
        BEGIN
            IF NOT coppice_school_visible(p_school) THEN
                RAISE EXCEPTION 'school % is not visible to login %', p_school, session_user USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN QUERY
            SELECT v.staff_id, v.service, v.category, (v.start_utc AT TIME ZONE p_zone)::date,
                   sum(v.active_seconds) / 60.0, sum(v.directed_seconds) / 60.0, sum(v.break_seconds) / 60.0,
                   sum(v.non_directed_seconds) / 60.0, sum(v.outside_hours_seconds) / 60.0,
                   sum(CASE WHEN v.is_work_use THEN v.active_seconds ELSE 0 END) / 60.0,
                   sum(CASE WHEN v.is_work_use THEN v.directed_seconds ELSE 0 END) / 60.0
            FROM public.visits v
            WHERE v.school_id = p_school
              AND v.start_utc >= (p_from::timestamp AT TIME ZONE p_zone) AND v.start_utc < ((p_to + 1)::timestamp AT TIME ZONE p_zone)
              AND v.category = ANY (p_categories) AND (p_staff IS NULL OR v.staff_id = ANY (p_staff))
            GROUP BY 1, 2, 3, 4
            ORDER BY 1, 2, 4;
        END
        $fn$;

        CREATE FUNCTION report_coverage(p_school text, p_zone text, p_from date, p_to date, p_hidden text, p_doh text)
        RETURNS TABLE (attributed_minutes numeric, anonymous_minutes numeric, unknown_device_minutes numeric,
                       hidden_minutes numeric, encrypted_dns_minutes numeric)
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
        BEGIN
            IF NOT coppice_school_visible(p_school) THEN
                RAISE EXCEPTION 'school % is not visible to login %', p_school, session_user USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN QUERY
            WITH v AS (
                SELECT x.category, x.active_seconds FROM public.visits x
                WHERE x.school_id = p_school
                  AND x.start_utc >= (p_from::timestamp AT TIME ZONE p_zone) AND x.start_utc < ((p_to + 1)::timestamp AT TIME ZONE p_zone)),
            a AS (
                SELECT y.category, y.kind, y.active_seconds FROM public.anonymous_usage y
                WHERE y.school_id = p_school AND y.local_date BETWEEN p_from AND p_to)
            SELECT
                coalesce((SELECT sum(v.active_seconds) FROM v), 0) / 60.0,
                coalesce((SELECT sum(a.active_seconds) FROM a), 0) / 60.0,
                coalesce((SELECT sum(a.active_seconds) FROM a WHERE a.kind = -1), 0) / 60.0,
                (coalesce((SELECT sum(v.active_seconds) FROM v WHERE v.category = p_hidden), 0)
                  + coalesce((SELECT sum(a.active_seconds) FROM a WHERE a.category = p_hidden), 0)) / 60.0,
                (coalesce((SELECT sum(v.active_seconds) FROM v WHERE v.category = p_doh), 0)
                  + coalesce((SELECT sum(a.active_seconds) FROM a WHERE a.category = p_doh), 0)) / 60.0;
        END
        $fn$;
        REVOKE ALL ON FUNCTION report_staff_usage(text, text, date, date, text[], text[]) FROM PUBLIC;
        REVOKE ALL ON FUNCTION report_coverage(text, text, date, date, text, text) FROM PUBLIC;
        """;

    private const string InvestigationFunctions = """
        -- The acting account must be a staff member of the school with the HR (2) or Headteacher (4) role.
        CREATE FUNCTION investigation_actor_role(p_school text, p_actor text) RETURNS text
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
        DECLARE
            staff_roles integer;
        BEGIN
            IF NOT coppice_school_visible(p_school) THEN
                RAISE EXCEPTION 'school % is not visible to login %', p_school, session_user USING ERRCODE = 'insufficient_privilege';
            END IF;
            SELECT s.roles INTO staff_roles FROM public.staff s WHERE s.school_id = p_school AND lower(s.email) = lower(btrim(p_actor));
            IF NOT FOUND THEN
                RAISE EXCEPTION '% is not a staff member of school %', p_actor, p_school USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF staff_roles & 2 <> 0 THEN RETURN 'HR'; END IF;
            IF staff_roles & 4 <> 0 THEN RETURN 'Headteacher'; END IF;
            RAISE EXCEPTION '% has neither the hr nor the headteacher role in the registry', p_actor USING ERRCODE = 'insufficient_privilege';
        END
        $fn$;

        CREATE FUNCTION investigation_open(p_school text, p_staff text, p_from timestamptz, p_to timestamptz, p_reason text, p_actor text, p_at timestamptz)
        RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
        DECLARE
            actor_role text := investigation_actor_role(p_school, p_actor);
            new_id bigint;
            held bigint;
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM public.staff s WHERE s.school_id = p_school AND s.staff_id = p_staff) THEN
                RAISE EXCEPTION 'staff member % is not in the registry of school %', p_staff, p_school USING ERRCODE = 'foreign_key_violation';
            END IF;
            INSERT INTO public.investigations (school_id, staff_id, from_utc, to_utc, reason, opened_by, opened_by_role, opened_utc)
            VALUES (p_school, p_staff, p_from, p_to, p_reason, lower(btrim(p_actor)), actor_role, coalesce(p_at, now()))
            RETURNING id INTO new_id;
            SELECT (SELECT count(*) FROM public.visits v WHERE v.school_id = p_school AND v.staff_id = p_staff AND v.start_utc >= p_from AND v.start_utc < p_to)
                 + (SELECT count(*) FROM public.held_visits v WHERE v.school_id = p_school AND v.staff_id = p_staff AND v.start_utc >= p_from AND v.start_utc < p_to)
            INTO held;
            PERFORM audit_append(p_at, lower(btrim(p_actor)), 'investigation.open', p_reason, p_school, new_id, p_staff, held,
                jsonb_build_object('visits_held', held, 'role', actor_role));
            RETURN new_id;
        END
        $fn$;

        CREATE FUNCTION investigation_close(p_id bigint, p_actor text, p_reason text, p_at timestamptz) RETURNS bigint
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
        DECLARE
            inv public.investigations;
            actor_role text;
            covered bigint;
        BEGIN
            SELECT * INTO inv FROM public.investigations WHERE id = p_id FOR UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'investigation % does not exist', p_id USING ERRCODE = 'no_data_found';
            END IF;
            actor_role := investigation_actor_role(inv.school_id, p_actor);
            IF inv.closed_utc IS NOT NULL THEN
                RAISE EXCEPTION 'investigation % is already closed (by % at %)', p_id, inv.closed_by,
                    to_char(inv.closed_utc AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"') USING ERRCODE = 'object_not_in_prerequisite_state';
            END IF;
            UPDATE public.investigations SET closed_utc = coalesce(p_at, now()), closed_by = lower(btrim(p_actor)), close_reason = p_reason WHERE id = p_id;
            SELECT (SELECT count(*) FROM public.visits v WHERE v.school_id = inv.school_id AND v.staff_id = inv.staff_id AND v.start_utc >= inv.from_utc AND v.start_utc < inv.to_utc)
                 + (SELECT count(*) FROM public.held_visits v WHERE v.school_id = inv.school_id AND v.staff_id = inv.staff_id AND v.start_utc >= inv.from_utc AND v.start_utc < inv.to_utc)
            INTO covered;
            PERFORM audit_append(p_at, lower(btrim(p_actor)), 'investigation.close', p_reason, inv.school_id, p_id, inv.staff_id, covered,
                jsonb_build_object('role', actor_role));
            RETURN covered;
        END
        $fn$;

        -- Visit-level detail of one investigation (live and held rows), with the audit row in the same transaction.
        -- p_export_format NULL is a read (investigation.read), else an export in that format (investigation.export).
        CREATE FUNCTION investigation_visits(p_id bigint, p_actor text, p_reason text, p_export_format text, p_at timestamptz)
        RETURNS SETOF held_visits LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
        DECLARE
            inv public.investigations;
            actor_role text;
            rows_out public.held_visits[];
        BEGIN
            IF p_reason IS NULL OR btrim(p_reason) = '' THEN
                RAISE EXCEPTION 'a reason is required to read investigation detail' USING ERRCODE = 'invalid_parameter_value';
            END IF;
            SELECT * INTO inv FROM public.investigations WHERE id = p_id;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'investigation % does not exist', p_id USING ERRCODE = 'no_data_found';
            END IF;
            actor_role := investigation_actor_role(inv.school_id, p_actor);
            SELECT coalesce(array_agg(x ORDER BY x.start_utc, x.id), '{}') INTO rows_out FROM (
                SELECT v.id, v.school_id, v.staff_id, v.device_id, v.service, v.category, v.start_utc, v.end_utc, v.active_seconds,
                       v.directed_seconds, v.break_seconds, v.non_directed_seconds, v.outside_hours_seconds, v.is_work_use,
                       v.site_name, v.evidence_count, v.batch_id, NULL::timestamptz AS held_utc
                FROM public.visits v
                WHERE v.school_id = inv.school_id AND v.staff_id = inv.staff_id AND v.start_utc >= inv.from_utc AND v.start_utc < inv.to_utc
                UNION
                SELECT h.id, h.school_id, h.staff_id, h.device_id, h.service, h.category, h.start_utc, h.end_utc, h.active_seconds,
                       h.directed_seconds, h.break_seconds, h.non_directed_seconds, h.outside_hours_seconds, h.is_work_use,
                       h.site_name, h.evidence_count, h.batch_id, NULL::timestamptz
                FROM public.held_visits h
                WHERE h.school_id = inv.school_id AND h.staff_id = inv.staff_id AND h.start_utc >= inv.from_utc AND h.start_utc < inv.to_utc
            ) x;
            PERFORM audit_append(p_at, lower(btrim(p_actor)),
                CASE WHEN p_export_format IS NULL THEN 'investigation.read' ELSE 'investigation.export' END,
                p_reason, inv.school_id, p_id, inv.staff_id, cardinality(rows_out),
                CASE WHEN p_export_format IS NULL THEN jsonb_build_object('role', actor_role)
                     ELSE jsonb_build_object('role', actor_role, 'visits', cardinality(rows_out), 'format_' || lower(p_export_format), 1) END);
            RETURN QUERY SELECT * FROM unnest(rows_out);
        END
        $fn$;
        REVOKE ALL ON FUNCTION investigation_actor_role(text, text) FROM PUBLIC;
        REVOKE ALL ON FUNCTION investigation_open(text, text, timestamptz, timestamptz, text, text, timestamptz) FROM PUBLIC;
        REVOKE ALL ON FUNCTION investigation_close(bigint, text, text, timestamptz) FROM PUBLIC;
        REVOKE ALL ON FUNCTION investigation_visits(bigint, text, text, text, timestamptz) FROM PUBLIC;
        """;

    private const string IngestFunctions = """
        -- Adds to the anonymous daily totals; never lowers one (only additions of zero or more).
        CREATE FUNCTION anonymous_usage_add(p_school text[], p_date date[], p_service text[], p_category text[], p_kind smallint[],
            p_seconds bigint[], p_devices integer[]) RETURNS bigint
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
        DECLARE
            added bigint;
        BEGIN
            IF EXISTS (SELECT 1 FROM unnest(p_school) s WHERE NOT coppice_school_visible(s)) THEN
                RAISE EXCEPTION 'anonymous_usage_add: a school is not visible to login %', session_user USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF EXISTS (SELECT 1 FROM unnest(p_seconds, p_devices) AS t(s, d) WHERE s IS NULL OR s < 0 OR d < 0) THEN
                RAISE EXCEPTION 'anonymous_usage_add: only additions of zero or more' USING ERRCODE = 'invalid_parameter_value';
            END IF;
            INSERT INTO public.anonymous_usage AS a (school_id, local_date, service, category, kind, active_seconds, devices)
            SELECT school_id, local_date, service, category, kind, sum(active_seconds), sum(devices)
            FROM unnest(p_school, p_date, p_service, p_category, p_kind, p_seconds, p_devices)
                AS t(school_id, local_date, service, category, kind, active_seconds, devices)
            GROUP BY school_id, local_date, service, category, kind
            ON CONFLICT (school_id, local_date, service, category, kind) DO UPDATE SET
                active_seconds = a.active_seconds + excluded.active_seconds,
                devices = COALESCE(a.devices, 0) + COALESCE(excluded.devices, 0);
            GET DIAGNOSTICS added = ROW_COUNT;
            RETURN added;
        END
        $fn$;

        -- The MAC addresses an open investigation holds right now, with the held range: the ingest path keeps a
        -- special-category name raw only for these (policy 10.3/10.4). Nothing else about the investigation.
        CREATE FUNCTION ingest_held_devices(p_school text) RETURNS TABLE (mac macaddr, from_utc timestamptz, to_utc timestamptz)
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
        BEGIN
            IF NOT coppice_school_visible(p_school) THEN
                RAISE EXCEPTION 'school % is not visible to login %', p_school, session_user USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN QUERY
            SELECT d.mac, i.from_utc, i.to_utc
            FROM public.investigations i JOIN public.devices d ON d.school_id = i.school_id AND d.staff_id = i.staff_id
            WHERE i.school_id = p_school AND i.closed_utc IS NULL AND d.mac IS NOT NULL;
        END
        $fn$;
        REVOKE ALL ON FUNCTION anonymous_usage_add(text[], date[], text[], text[], smallint[], bigint[], integer[]) FROM PUBLIC;
        REVOKE ALL ON FUNCTION ingest_held_devices(text) FROM PUBLIC;
        """;
}
