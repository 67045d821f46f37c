using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Reports;

/// <summary>How reports are delivered.</summary>
public enum ReportDeliveryMode
{
    /// <summary>Email through the SMTP server in <see cref="SmtpOptions"/>, and archive.</summary>
    Smtp,

    /// <summary>Archive folder only; nothing is emailed (for schools that collect reports by hand).</summary>
    Folder,
}

/// <summary>Report content and delivery (configuration section "Reports").</summary>
public sealed class ReportOptions
{
    public const string SectionName = "Reports";

    public ReportDeliveryMode Delivery { get; set; } = ReportDeliveryMode.Smtp;

    /// <summary>Each run writes every report's HTML, text, CSV, chart and .eml under this folder.</summary>
    [Required]
    public string ArchiveFolder { get; set; } = "reports";

    /// <summary>
    /// Days a report's archived files are kept after the end of the period it reports (policy 10.4); the nightly
    /// retention purge deletes older ones. Null (default): Retention:ReportRunsDays (400), per school if set there.
    /// </summary>
    [Range(1, 3650)]
    public int? ArchiveRetentionDays { get; set; }

    /// <summary>
    /// Catalogue categories the reports cover. Empty (default): <see cref="DefaultCategories"/>. The default is not
    /// put in the list itself because configuration binding appends to a list, so a school could never narrow it.
    /// </summary>
    public IList<string> Categories { get; init; } = [];

    /// <summary>
    /// The services the policy names as social media: the catalogue files YouTube under Video and WhatsApp and
    /// Messenger under Messaging, and staff use of them in lessons concerns section 8.6.2 as much as Facebook does.
    /// </summary>
    public static IReadOnlyList<string> DefaultCategories { get; } = ["SocialMedia", "Video", "Messaging"];

    /// <summary>
    /// The categories a run reports: the configured ones without repeats, or the default; never a special category
    /// (policy 10.3; the validator refuses such a configuration at start, this is the second line of defence).
    /// </summary>
    public string[] EffectiveCategories() =>
        Model.ReportCategories.Reportable(Categories.Count == 0 ? DefaultCategories : Categories.Distinct(StringComparer.Ordinal));

    /// <summary>Sends tried per report in one run before it is recorded as failed.</summary>
    [Range(1, 20)]
    public int SendAttempts { get; set; } = 5;

    /// <summary>Wait before the second attempt; doubles for each further attempt, up to <see cref="RetryMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:00.010", "06:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a run's claim on a report lasts. Another instance takes over a report still "sending" after this
    /// (its sender died); must exceed the longest retry sequence.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The headteacher's attention list names a person with directed-time personal minutes above this many (whole
    /// minutes), or with any day over the limit. Default 0: any directed-time use that shows as a minute.
    /// </summary>
    [Range(0, 1440)]
    public int AttentionDirectedMinutes { get; set; }

    /// <summary>Headteacher summary recipient; empty: the staff member with the Headteacher role.</summary>
    public string? HeadteacherEmail { get; set; }

    public string? HeadteacherName { get; set; }
}

/// <summary>How the SMTP connection is secured.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain SMTP (a relay on the same host or a test server).</summary>
    None,

    /// <summary>Connect in plain text and upgrade with STARTTLS; fail if the server does not offer it (port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,
}

/// <summary>The school's mail server (configuration section "Reports:Smtp").</summary>
public sealed class SmtpOptions
{
    public const string SectionName = "Reports:Smtp";

    public string Host { get; set; } = "";

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>Account to authenticate as; empty: no authentication.</summary>
    public string? UserName { get; set; }

    /// <summary>Environment variable holding the password (never put the password in a settings file).</summary>
    [Required]
    public string PasswordEnvironmentVariable { get; set; } = "COPPICE_SMTP_PASSWORD";

    /// <summary>Sender address; required for SMTP delivery (checked by <see cref="ReportOptionsValidator"/>).</summary>
    public string FromAddress { get; set; } = "";

    public string FromName { get; set; } = "CoppiceMonitor";

    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 60;
}

/// <summary>Cross-field checks: SMTP delivery needs a host and a sender; a lease must outlast the retries.</summary>
public sealed class ReportOptionsValidator(IOptions<SmtpOptions> smtp) : IValidateOptions<ReportOptions>
{
    public ValidateOptionsResult Validate(string? name, ReportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (name == Delivery.ReportArchivePurger.OptionsName)
        {
            // The archive purge reads only the folder and window (data annotations still apply).
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        if (options.Delivery == ReportDeliveryMode.Smtp)
        {
            if (string.IsNullOrWhiteSpace(smtp.Value.Host))
            {
                failures.Add($"{SmtpOptions.SectionName}:Host is required when {ReportOptions.SectionName}:Delivery is Smtp.");
            }

            if (string.IsNullOrWhiteSpace(smtp.Value.FromAddress))
            {
                failures.Add($"{SmtpOptions.SectionName}:FromAddress is required when {ReportOptions.SectionName}:Delivery is Smtp.");
            }
            else if (!IsAddress(smtp.Value.FromAddress))
            {
                failures.Add($"{SmtpOptions.SectionName}:FromAddress '{smtp.Value.FromAddress}' is not an email address.");
            }
        }

        if (options.Categories.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add($"{ReportOptions.SectionName}:Categories must not contain empty names.");
        }

        foreach (var special in options.Categories.Where(Model.ReportCategories.IsSpecial))
        {
            failures.Add($"{ReportOptions.SectionName}:Categories lists '{special}', a special category under policy {Model.ReportCategories.SpecialCategorySection}: " +
                         "special categories never appear in a routine report (they stay in storage, reachable only through an investigation). Remove it.");
        }

        if (options.RetryMaxDelay < options.RetryInitialDelay)
        {
            failures.Add($"{ReportOptions.SectionName}:RetryMaxDelay must be at least RetryInitialDelay.");
        }

        if (options.ClaimLease <= options.RetryMaxDelay * options.SendAttempts)
        {
            failures.Add($"{ReportOptions.SectionName}:ClaimLease must exceed SendAttempts x RetryMaxDelay, or a slow retry could be taken over and sent twice.");
        }

        if (!string.IsNullOrWhiteSpace(options.HeadteacherEmail))
        {
            if (!IsAddress(options.HeadteacherEmail))
            {
                failures.Add($"{ReportOptions.SectionName}:HeadteacherEmail '{options.HeadteacherEmail}' is not an email address.");
            }

            if (string.IsNullOrWhiteSpace(options.HeadteacherName))
            {
                failures.Add($"{ReportOptions.SectionName}:HeadteacherName is required with HeadteacherEmail.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsAddress(string text) =>
        MimeKit.MailboxAddress.TryParse(text, out var address) && address.Address.Contains('@', StringComparison.Ordinal);
}
