using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CoppiceMonitor.Storage.Migrations;

/// <summary>
/// The CoppiceMonitor schema. Hand-written SQL because day partitioning, the audit trigger and the held tables
/// are beyond what the EF model builder expresses; <see cref="CoppiceDbContext"/> maps onto these tables.
/// </summary>
[DbContext(typeof(CoppiceDbContext))]
[Migration("20261125090000_InitialSchema")]
public sealed class InitialSchema : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql("""
            CREATE TABLE schools (
                school_id   text PRIMARY KEY,
                name        text NOT NULL,
                time_zone   text NOT NULL DEFAULT 'Europe/London',
                created_utc timestamptz NOT NULL DEFAULT now()
            );

            -- Line manager is a plain column, not a foreign key: a directory import may remove a manager before
            -- their reports are re-pointed, and reports must still resolve the rest.
            CREATE TABLE staff (
                school_id       text NOT NULL REFERENCES schools (school_id),
                staff_id        text NOT NULL,
                display_name    text NOT NULL,
                email           text NOT NULL,
                line_manager_id text NULL,
                roles           integer NOT NULL DEFAULT 0,
                updated_utc     timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (school_id, staff_id)
            );
            CREATE INDEX ix_staff_line_manager ON staff (school_id, line_manager_id);

            CREATE TABLE devices (
                school_id           text NOT NULL REFERENCES schools (school_id),
                device_id           text NOT NULL,
                staff_id            text NULL,
                mac                 macaddr NULL,
                hostname            text NULL,
                static_ip           inet NULL,
                kind                smallint NOT NULL,
                authorised_services text[] NOT NULL DEFAULT '{}',
                updated_utc         timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (school_id, device_id)
            );
            CREATE INDEX ix_devices_mac ON devices (mac);
            CREATE INDEX ix_devices_staff ON devices (school_id, staff_id);

            CREATE TABLE dhcp_leases (
                id         bigserial PRIMARY KEY,
                school_id  text NOT NULL,
                mac        macaddr NOT NULL,
                address    inet NOT NULL,
                hostname   text NULL,
                start_utc  timestamptz NOT NULL,
                end_utc    timestamptz NULL,
                batch_id   uuid NULL
            );
            CREATE INDEX ix_dhcp_leases_address ON dhcp_leases (school_id, address, start_utc);
            CREATE INDEX ix_dhcp_leases_start ON dhcp_leases (start_utc);

            -- Observations and visits: range partitions by UTC day, plus a default partition that catches
            -- stragglers so an insert never fails; PartitionMaintainer creates days ahead and empties the default.
            -- No primary key or index beyond the partition bound on observations: ingest speed comes first.
            CREATE TABLE observations (
                school_id   text NOT NULL,
                ts          timestamptz NOT NULL,
                kind        smallint NOT NULL,
                client      inet NULL,
                client_mac  macaddr NULL,
                server      inet NULL,
                server_port integer NOT NULL,
                transport   smallint NOT NULL,
                vlan        integer NOT NULL,
                name        text NULL,
                detail      jsonb NULL,
                batch_id    uuid NOT NULL
            ) PARTITION BY RANGE (ts);
            CREATE TABLE observations_default PARTITION OF observations DEFAULT;

            CREATE TABLE visits (
                id                    bigserial NOT NULL,
                school_id             text NOT NULL,
                staff_id              text NOT NULL,
                device_id             text NOT NULL,
                service               text NOT NULL,
                category              text NOT NULL,
                start_utc             timestamptz NOT NULL,
                end_utc               timestamptz NOT NULL,
                active_seconds        integer NOT NULL,
                directed_seconds      integer NOT NULL,
                break_seconds         integer NOT NULL,
                non_directed_seconds  integer NOT NULL,
                outside_hours_seconds integer NOT NULL,
                is_work_use           boolean NOT NULL,
                site_name             text NULL,
                evidence_count        integer NOT NULL,
                batch_id              uuid NOT NULL
            ) PARTITION BY RANGE (start_utc);
            CREATE TABLE visits_default PARTITION OF visits DEFAULT;
            CREATE INDEX ix_visits_staff_start ON visits (school_id, staff_id, start_utc);

            CREATE TABLE held_observations (
                id          bigserial PRIMARY KEY,
                school_id   text NOT NULL,
                ts          timestamptz NOT NULL,
                kind        smallint NOT NULL,
                client      inet NULL,
                client_mac  macaddr NULL,
                server      inet NULL,
                server_port integer NOT NULL,
                transport   smallint NOT NULL,
                vlan        integer NOT NULL,
                name        text NULL,
                detail      jsonb NULL,
                batch_id    uuid NOT NULL,
                held_utc    timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX ix_held_observations_mac ON held_observations (school_id, client_mac, ts);

            CREATE TABLE held_visits (
                id                    bigint PRIMARY KEY,
                school_id             text NOT NULL,
                staff_id              text NOT NULL,
                device_id             text NOT NULL,
                service               text NOT NULL,
                category              text NOT NULL,
                start_utc             timestamptz NOT NULL,
                end_utc               timestamptz NOT NULL,
                active_seconds        integer NOT NULL,
                directed_seconds      integer NOT NULL,
                break_seconds         integer NOT NULL,
                non_directed_seconds  integer NOT NULL,
                outside_hours_seconds integer NOT NULL,
                is_work_use           boolean NOT NULL,
                site_name             text NULL,
                evidence_count        integer NOT NULL,
                batch_id              uuid NOT NULL,
                held_utc              timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX ix_held_visits_staff_start ON held_visits (school_id, staff_id, start_utc);

            -- kind -1 = unknown device; totals only, never a person.
            CREATE TABLE anonymous_usage (
                school_id      text NOT NULL,
                local_date     date NOT NULL,
                service        text NOT NULL,
                category       text NOT NULL,
                kind           smallint NOT NULL,
                active_seconds bigint NOT NULL,
                devices        integer NULL,
                PRIMARY KEY (school_id, local_date, service, category, kind)
            );

            CREATE TABLE investigations (
                id             bigserial PRIMARY KEY,
                school_id      text NOT NULL,
                staff_id       text NOT NULL,
                from_utc       timestamptz NOT NULL,
                to_utc         timestamptz NOT NULL,
                reason         text NOT NULL CHECK (length(btrim(reason)) > 0),
                opened_by      text NOT NULL,
                opened_by_role text NOT NULL CHECK (opened_by_role IN ('HR', 'Headteacher')),
                opened_utc     timestamptz NOT NULL,
                closed_utc     timestamptz NULL,
                closed_by      text NULL,
                close_reason   text NULL,
                CHECK (to_utc > from_utc)
            );
            CREATE INDEX ix_investigations_open ON investigations (school_id, staff_id) WHERE closed_utc IS NULL;

            CREATE TABLE audit_events (
                id               bigserial PRIMARY KEY,
                occurred_utc     timestamptz NOT NULL,
                actor            text NOT NULL,
                action           text NOT NULL,
                reason           text NULL,
                school_id        text NULL,
                investigation_id bigint NULL,
                subject_staff_id text NULL,
                row_count        bigint NULL,
                details          jsonb NULL
            );
            CREATE INDEX ix_audit_events_occurred ON audit_events (occurred_utc);

            -- Audit rows are append-only: no UPDATE ever, no TRUNCATE, and DELETE only by the retention purge
            -- (which sets coppice.audit_purge_before in its transaction) and only for rows older than that.
            CREATE FUNCTION audit_events_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
            DECLARE
                purge_before text := current_setting('coppice.audit_purge_before', true);
            BEGIN
                IF TG_OP = 'DELETE' AND purge_before IS NOT NULL AND purge_before <> ''
                   AND OLD.occurred_utc < purge_before::timestamptz THEN
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

            CREATE TABLE report_runs (
                id                 bigserial PRIMARY KEY,
                run_key            text NOT NULL UNIQUE,
                school_id          text NOT NULL,
                kind               text NOT NULL,
                period_start       date NOT NULL,
                period_end         date NOT NULL,
                recipient_staff_id text NULL,
                recipient_email    text NULL,
                status             text NOT NULL,
                attempts           integer NOT NULL DEFAULT 0,
                error              text NULL,
                created_utc        timestamptz NOT NULL,
                completed_utc      timestamptz NULL,
                subject            text NULL,
                html_body          text NULL,
                text_body          text NULL,
                csv                text NULL,
                -- The SMTP Message-Id of a sent report, and how long a run's claim on it lasts (another instance
                -- takes over a report left 'sending' after the lease).
                message_id         text NULL,
                lease_until        timestamptz NULL
            );
            CREATE INDEX ix_report_runs_created ON report_runs (created_utc);

            -- One row per ingest batch, written in the same transaction as the batch's rows: a replayed or
            -- retried batch finds its id here and is skipped, so nothing is written twice.
            CREATE TABLE ingest_batches (
                batch_id    uuid PRIMARY KEY,
                kind        text NOT NULL,
                row_count   integer NOT NULL,
                written_utc timestamptz NOT NULL,
                from_spool  boolean NOT NULL
            );
            CREATE INDEX ix_ingest_batches_written ON ingest_batches (written_utc);
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql("""
            DROP TABLE IF EXISTS ingest_batches, report_runs, audit_events, investigations, anonymous_usage,
                held_visits, held_observations, visits, observations, dhcp_leases, devices, staff, schools CASCADE;
            DROP FUNCTION IF EXISTS audit_events_guard();
            DROP FUNCTION IF EXISTS audit_events_no_truncate();
            """);
    }
}
