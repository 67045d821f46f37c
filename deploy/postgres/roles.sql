-- CoppiceMonitor database roles (run as a superuser or the database owner, after `coppice-monitor db migrate`,
-- in the CoppiceMonitor database; idempotent). Three group roles without login; give each service part a
-- login role that is a member of the least group it needs, e.g.
--   CREATE ROLE coppice_capture LOGIN PASSWORD '...' IN ROLE coppice_ingest;
--
--   coppice_ingest     capture/ingest: inserts observations, visits, DHCP leases, anonymous totals and batch ids;
--                      reads the device registry for attribution. No delete, no update (except adding to
--                      anonymous totals), no audit or investigation access.
--   coppice_reporting  reports: reads aggregates (visits, anonymous totals, staff), writes report_runs and runs the
--                      Quartz job store. No delete of data, no audit read.
--   coppice_admin      migrations, registry import, partition maintenance, retention purges, investigations and
--                      audit. Should own the schema objects (run the migrations as this role) because dropping day
--                      partitions needs ownership.
-- audit_events is append-only for every role: no UPDATE or DELETE grants for ingest/reporting, and a trigger
-- that refuses UPDATE, TRUNCATE and any DELETE other than the retention purge of rows past the audit window.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'coppice_ingest') THEN
        CREATE ROLE coppice_ingest NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'coppice_reporting') THEN
        CREATE ROLE coppice_reporting NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'coppice_admin') THEN
        CREATE ROLE coppice_admin NOLOGIN;
    END IF;
END
$$;

-- Start from nothing so re-running after a change never leaves an old grant behind.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM coppice_ingest, coppice_reporting;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM coppice_ingest, coppice_reporting;
GRANT USAGE ON SCHEMA public TO coppice_ingest, coppice_reporting, coppice_admin;

-- Ingest
GRANT INSERT ON observations, visits, dhcp_leases, anonymous_usage, ingest_batches TO coppice_ingest;
GRANT SELECT ON ingest_batches, schools, staff, devices TO coppice_ingest;
-- Daily anonymous totals are upserted (INSERT ... ON CONFLICT DO UPDATE), which needs SELECT and UPDATE.
GRANT SELECT (school_id, local_date, service, category, kind, active_seconds, devices),
      UPDATE (active_seconds, devices) ON anonymous_usage TO coppice_ingest;
GRANT USAGE ON SEQUENCE visits_id_seq, dhcp_leases_id_seq TO coppice_ingest;

-- Reporting
GRANT SELECT ON visits, anonymous_usage, staff, devices, schools TO coppice_reporting;
GRANT SELECT, INSERT, UPDATE ON report_runs TO coppice_reporting;
GRANT USAGE ON SEQUENCE report_runs_id_seq TO coppice_reporting;
-- Reading visit-level detail for an investigation is audited by the application; reporting may append audit rows.
GRANT INSERT ON audit_events TO coppice_reporting;
GRANT USAGE ON SEQUENCE audit_events_id_seq TO coppice_reporting;
-- The scheduler's tables come from Quartz's own script (their set changes between Quartz versions): grant on all.
DO $$
DECLARE t text;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'qrtz\_%' LOOP
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO coppice_reporting', t);
  END LOOP;
END
$$;

-- Admin: everything except changing audit rows (the trigger also stops the owner).
GRANT ALL ON ALL TABLES IN SCHEMA public TO coppice_admin;
GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO coppice_admin;
REVOKE UPDATE, TRUNCATE ON audit_events FROM coppice_admin;
GRANT CREATE ON SCHEMA public TO coppice_admin;
