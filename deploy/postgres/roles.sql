-- CoppiceMonitor database roles (run as a superuser or the database owner, after `coppice-monitor db migrate`,
-- in the CoppiceMonitor database; idempotent). Three group roles without login; give each service part a
-- login role that is a member of the least group it needs, and bind a school's sensor or report login to its
-- school(s) in login_schools (row-level security: an unmapped ingest/reporting login sees no school), e.g.
--   CREATE ROLE sensor_oakfield LOGIN PASSWORD '...' IN ROLE coppice_ingest;
--   INSERT INTO login_schools VALUES ('sensor_oakfield', 'oakfield');      -- '*' = every school
--
--   coppice_ingest     capture/ingest: inserts observations, visits and DHCP leases (COPY), records batch ids;
--                      adds to anonymous totals through anonymous_usage_add() only; reads the registry columns
--                      attribution needs (staff ids, devices), for its own schools only; learns held devices
--                      through ingest_held_devices(). No update, no delete, no audit, no e-mail addresses.
--   coppice_reporting  reports: per-person, per-service, per-day totals through report_staff_usage() and
--                      report_coverage() (never a visit row), anonymous totals, schools and staff (recipients)
--                      of its own schools; writes report_runs; runs the Quartz job store (see below).
--                      No audit, no investigation, no visit-level table.
--   coppice_admin      registry import, partition maintenance, retention purges, investigations and reading the
--                      audit. Appends audit rows through audit_append(), purges old ones through audit_purge();
--                      can neither change nor delete an audit row.
-- coppice_audit_owner (NOLOGIN, created by the migration) owns audit_events, its chain and both audit functions;
-- no login is ever a member of it. Visit-level detail reaches people only through investigation_*() functions,
-- which check the acting account's registry role and append the audit row in the same transaction.

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
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM coppice_ingest, coppice_reporting, coppice_admin;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM coppice_ingest, coppice_reporting, coppice_admin;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM coppice_ingest, coppice_reporting, coppice_admin;
GRANT USAGE ON SCHEMA public TO coppice_ingest, coppice_reporting, coppice_admin;

-- Ingest
GRANT INSERT ON observations, visits, dhcp_leases, ingest_batches TO coppice_ingest;
GRANT SELECT ON ingest_batches TO coppice_ingest;
GRANT SELECT (school_id, time_zone) ON schools TO coppice_ingest;
GRANT SELECT (school_id, staff_id) ON staff TO coppice_ingest;
GRANT SELECT (school_id, device_id, staff_id, mac, hostname, static_ip, kind, authorised_services) ON devices TO coppice_ingest;
GRANT USAGE ON SEQUENCE visits_id_seq, dhcp_leases_id_seq TO coppice_ingest;
GRANT EXECUTE ON FUNCTION anonymous_usage_add(text[], date[], text[], text[], smallint[], bigint[], integer[]),
    ingest_held_devices(text) TO coppice_ingest;

-- Reporting
GRANT SELECT ON schools, staff, anonymous_usage TO coppice_reporting;
GRANT SELECT, INSERT, UPDATE ON report_runs TO coppice_reporting;
GRANT USAGE ON SEQUENCE report_runs_id_seq TO coppice_reporting;
GRANT EXECUTE ON FUNCTION report_staff_usage(text, text, date, date, text[], text[]),
    report_coverage(text, text, date, date, text, text) TO coppice_reporting;
-- The scheduler's tables come from Quartz's own script (their set changes between Quartz versions). Quartz's
-- AdoJobStore reads, inserts and updates them all; it DELETEs in normal operation: a fired-trigger record when
-- its job completes (qrtz_fired_triggers), a dead instance's check-in when another cluster node recovers it
-- (qrtz_scheduler_state), a trigger and its typed row when it completes or is rescheduled (qrtz_triggers,
-- qrtz_cron_triggers, qrtz_simple_triggers, qrtz_simprop_triggers, qrtz_blob_triggers), a non-durable job with
-- no trigger left (qrtz_job_details), pause/resume and calendars (qrtz_paused_trigger_grps, qrtz_calendars).
-- It never deletes lock rows (qrtz_locks: inserted once, then SELECT ... FOR UPDATE), and nothing truncates.
DO $$
DECLARE t text;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'qrtz\_%' LOOP
    EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %I TO coppice_reporting', t);
    IF t <> 'qrtz_locks' THEN
      EXECUTE format('GRANT DELETE ON %I TO coppice_reporting', t);
    END IF;
  END LOOP;
END
$$;

-- Admin: the tables, except that the audit (owned by coppice_audit_owner) is read-only and login_schools is
-- admin's to maintain. A non-superuser running this cannot grant on the audit tables (it does not own them),
-- hence the explicit SELECT below.
GRANT ALL ON ALL TABLES IN SCHEMA public TO coppice_admin;
GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO coppice_admin;
REVOKE ALL ON audit_events, audit_chain_head, audit_purged FROM coppice_admin;
GRANT SELECT ON audit_events, audit_chain_head, audit_purged TO coppice_admin;
GRANT EXECUTE ON FUNCTION audit_append(timestamptz, text, text, text, text, bigint, text, bigint, jsonb),
    audit_purge(timestamptz),
    investigation_actor_role(text, text),
    investigation_open(text, text, timestamptz, timestamptz, text, text, timestamptz),
    investigation_close(bigint, text, text, timestamptz),
    investigation_visits(bigint, text, text, text, timestamptz),
    report_staff_usage(text, text, date, date, text[], text[]),
    report_coverage(text, text, date, date, text, text),
    anonymous_usage_add(text[], date[], text[], text[], smallint[], bigint[], integer[]),
    ingest_held_devices(text) TO coppice_admin;
GRANT CREATE ON SCHEMA public TO coppice_admin;
