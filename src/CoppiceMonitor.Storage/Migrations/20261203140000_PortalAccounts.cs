using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CoppiceMonitor.Storage.Migrations;

/// <summary>
/// The portal's local accounts and investigators' case notes. Accounts: ASP.NET Core Identity's user tables (schema version 1, no roles: roles come from
/// the staff registry), mapped by <see cref="Accounts.PortalIdentityDbContext"/>. Hand-written like the others so
/// one migration history owns the whole schema.
/// </summary>
[DbContext(typeof(CoppiceDbContext))]
[Migration("20261203140000_PortalAccounts")]
public sealed class PortalAccounts : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql("""
            CREATE TABLE portal_users (
                id                     text PRIMARY KEY,
                school_id              text NOT NULL REFERENCES schools (school_id),
                user_name              varchar(256) NULL,
                normalized_user_name   varchar(256) NULL,
                email                  varchar(256) NULL,
                normalized_email       varchar(256) NULL,
                email_confirmed        boolean NOT NULL,
                password_hash          text NULL,
                security_stamp         text NULL,
                concurrency_stamp      text NULL,
                phone_number           text NULL,
                phone_number_confirmed boolean NOT NULL,
                two_factor_enabled     boolean NOT NULL,
                lockout_end            timestamptz NULL,
                lockout_enabled        boolean NOT NULL,
                access_failed_count    integer NOT NULL,
                disabled_utc           timestamptz NULL,
                created_utc            timestamptz NOT NULL DEFAULT now()
            );
            CREATE UNIQUE INDEX "UserNameIndex" ON portal_users (normalized_user_name);
            CREATE INDEX "EmailIndex" ON portal_users (normalized_email);

            CREATE TABLE portal_user_claims (
                id          serial PRIMARY KEY,
                user_id     text NOT NULL REFERENCES portal_users (id) ON DELETE CASCADE,
                claim_type  text NULL,
                claim_value text NULL
            );
            CREATE INDEX ix_portal_user_claims_user_id ON portal_user_claims (user_id);

            -- External sign-ins (OpenID Connect: Entra ID, Google Workspace) linked to an account.
            CREATE TABLE portal_user_logins (
                login_provider        text NOT NULL,
                provider_key          text NOT NULL,
                provider_display_name text NULL,
                user_id               text NOT NULL REFERENCES portal_users (id) ON DELETE CASCADE,
                PRIMARY KEY (login_provider, provider_key)
            );
            CREATE INDEX ix_portal_user_logins_user_id ON portal_user_logins (user_id);

            -- The TOTP authenticator key and recovery codes.
            CREATE TABLE portal_user_tokens (
                user_id        text NOT NULL REFERENCES portal_users (id) ON DELETE CASCADE,
                login_provider text NOT NULL,
                name           text NOT NULL,
                value          text NULL,
                PRIMARY KEY (user_id, login_provider, name)
            );

            -- Investigators' case notes (portal); removed with nothing else: they follow the investigation.
            CREATE TABLE investigation_notes (
                id               bigserial PRIMARY KEY,
                investigation_id bigint NOT NULL REFERENCES investigations (id),
                author           text NOT NULL,
                written_utc      timestamptz NOT NULL,
                body             text NOT NULL CHECK (length(btrim(body)) > 0)
            );
            CREATE INDEX ix_investigation_notes_investigation ON investigation_notes (investigation_id);
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql("DROP TABLE IF EXISTS investigation_notes, portal_user_tokens, portal_user_logins, portal_user_claims, portal_users CASCADE;");
    }
}
