using CoppiceMonitor.Storage.Reporting;
using CoppiceMonitor.Reports.Data;
using CoppiceMonitor.Reports.Delivery;
using CoppiceMonitor.Reports.Model;
using CoppiceMonitor.Reports.Rendering;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Reports;

/// <summary>What happened to one report in a run.</summary>
public enum ReportDeliveryOutcome
{
    /// <summary>Mailed now.</summary>
    Sent,

    /// <summary>Folder delivery: written to the archive.</summary>
    Archived,

    /// <summary>An earlier run (this instance or another) had already sent or archived it.</summary>
    AlreadyDone,

    /// <summary>Another instance holds an unexpired claim and is sending it.</summary>
    InProgressElsewhere,

    /// <summary>Every attempt failed; recorded as failed for `status` and retried by the next run.</summary>
    Failed,

    /// <summary>Dry run: rendered (and written to the output folder, if any) but neither recorded nor sent.</summary>
    DryRun,
}

/// <summary>Options of one run by hand (`report send`); the scheduled jobs use the defaults.</summary>
public sealed record ReportRunRequest(bool DryRun = false, string? OutputFolder = null);

/// <summary>The result for one recipient.</summary>
public sealed record ReportDeliveryResult(
    ReportKind Kind,
    string SchoolId,
    ReportPeriod Period,
    string? RecipientStaffId,
    string RecipientName,
    string RecipientEmail,
    ReportDeliveryOutcome Outcome,
    string? MessageId,
    int Attempts,
    string? Error,
    string? ArchiveFolder,
    RenderedReport Report);

/// <summary>
/// Builds, renders, archives and delivers the reports of one period for every school. Safe to run twice, from two
/// instances at once, or after a crash: each report is claimed in report_runs before it is sent.
/// </summary>
public sealed class ReportRunner(
    IReportDataSource data,
    ReportRunStore runs,
    SmtpReportSender sender,
    IOptions<ReportOptions> options,
    TimeProvider timeProvider,
    ILogger<ReportRunner> logger)
{
    public Task<IReadOnlyList<ReportDeliveryResult>> RunLineManagerReportsAsync(ReportPeriod period, CancellationToken cancellationToken) =>
        RunLineManagerReportsAsync(period, new ReportRunRequest(), cancellationToken);

    /// <summary>Weekly line-manager reports (policy 10.2): one per manager, only their own staff.</summary>
    public async Task<IReadOnlyList<ReportDeliveryResult>> RunLineManagerReportsAsync(
        ReportPeriod period,
        ReportRunRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var rendered = await RenderLineManagerReportsAsync(period, cancellationToken).ConfigureAwait(false);
        return await DeliverAllAsync(ReportKind.LineManager, period, rendered, request, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<ReportDeliveryResult>> RunHeadteacherReportsAsync(ReportPeriod period, CancellationToken cancellationToken) =>
        RunHeadteacherReportsAsync(period, new ReportRunRequest(), cancellationToken);

    /// <summary>The headteacher's summary, one per school.</summary>
    public async Task<IReadOnlyList<ReportDeliveryResult>> RunHeadteacherReportsAsync(
        ReportPeriod period,
        ReportRunRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var rendered = await RenderHeadteacherReportsAsync(period, cancellationToken).ConfigureAwait(false);
        return await DeliverAllAsync(ReportKind.Headteacher, period, rendered, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Builds and renders every line manager's report without recording or sending anything.</summary>
    public async Task<IReadOnlyList<RenderedReport>> RenderLineManagerReportsAsync(ReportPeriod period, CancellationToken cancellationToken)
    {
        var categories = options.Value.EffectiveCategories();
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var rendered = new List<RenderedReport>();
        foreach (var school in await data.GetSchoolsAsync(cancellationToken).ConfigureAwait(false))
        {
            var staff = await data.GetStaffAsync(school.SchoolId, cancellationToken).ConfigureAwait(false);
            var usage = await data.GetStaffUsageAsync(school, period, categories, null, cancellationToken).ConfigureAwait(false);
            var previous = await data.GetStaffUsageAsync(school, period.Previous, categories, null, cancellationToken).ConfigureAwait(false);
            foreach (var report in ReportBuilder.BuildLineManagerReports(school, period, staff, usage, previous, now))
            {
                var output = ReportRenderer.Render(report);
                Log.ReportRendered(logger, report.Recipient.Email, output.Html.Length, report.Rows.Count);
                rendered.Add(output);
            }
        }

        return rendered;
    }

    public async Task<IReadOnlyList<RenderedReport>> RenderHeadteacherReportsAsync(ReportPeriod period, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var categories = settings.EffectiveCategories();
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var rendered = new List<RenderedReport>();
        foreach (var school in await data.GetSchoolsAsync(cancellationToken).ConfigureAwait(false))
        {
            var recipient = !string.IsNullOrWhiteSpace(settings.HeadteacherEmail)
                ? new Recipient(null, settings.HeadteacherName ?? settings.HeadteacherEmail, settings.HeadteacherEmail)
                : school.Headteacher;
            if (recipient is null)
            {
                Log.NoHeadteacher(logger, school.SchoolId);
                continue;
            }

            var staff = await data.GetStaffAsync(school.SchoolId, cancellationToken).ConfigureAwait(false);
            var usage = await data.GetStaffUsageAsync(school, period, categories, null, cancellationToken).ConfigureAwait(false);
            var previous = await data.GetStaffUsageAsync(school, period.Previous, categories, null, cancellationToken).ConfigureAwait(false);
            var anonymous = await data.GetAnonymousUsageAsync(school, period, categories, cancellationToken).ConfigureAwait(false);
            var coverage = await data.GetCoverageAsync(school, period, cancellationToken).ConfigureAwait(false);
            var report = ReportBuilder.BuildHeadteacherReport(school, recipient, period, staff, usage, previous, anonymous, coverage, now, settings.AttentionDirectedMinutes);
            rendered.Add(ReportRenderer.Render(report));
        }

        return rendered;
    }

    private async Task<IReadOnlyList<ReportDeliveryResult>> DeliverAllAsync(
        ReportKind kind,
        ReportPeriod period,
        IReadOnlyList<RenderedReport> rendered,
        ReportRunRequest request,
        CancellationToken cancellationToken)
    {
        var results = new List<ReportDeliveryResult>(rendered.Count);
        foreach (var report in rendered)
        {
            results.Add(await DeliverAsync(report, request, cancellationToken).ConfigureAwait(false));
        }

        Log.RunFinished(
            logger,
            ReportRunStore.KindName(kind),
            period.ToString(),
            results.Count(r => r.Outcome is ReportDeliveryOutcome.Sent or ReportDeliveryOutcome.Archived),
            results.Count(r => r.Outcome is ReportDeliveryOutcome.AlreadyDone or ReportDeliveryOutcome.InProgressElsewhere),
            results.Count(r => r.Outcome == ReportDeliveryOutcome.Failed));
        return results;
    }

    private async Task<ReportDeliveryResult> DeliverAsync(RenderedReport report, ReportRunRequest request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var runKey = ReportRunStore.RunKey(report.Kind, report.SchoolId, report.Period, report.RecipientStaffId, report.RecipientEmail);
        var message = ReportMessageFactory.Create(report, FromAddress(), ReportRunStore.MessageIdFor(runKey));

        if (request.OutputFolder is { } output)
        {
            await ReportArchive.WriteAsync(Path.Combine(output, ReportArchive.OutputFolderName(report)), report, message, cancellationToken).ConfigureAwait(false);
        }

        if (request.DryRun)
        {
            return Result(report, ReportDeliveryOutcome.DryRun, message.MessageId, 0, null, request.OutputFolder);
        }

        var claim = await runs.TryClaimAsync(report, settings.ClaimLease, cancellationToken).ConfigureAwait(false);
        if (!claim.Claimed)
        {
            Log.ReportSkipped(logger, runKey, claim.Status);
            var outcome = claim.Status == ReportRunStatus.Sending ? ReportDeliveryOutcome.InProgressElsewhere : ReportDeliveryOutcome.AlreadyDone;
            return Result(report, outcome, claim.MessageId, claim.Attempts, null, null);
        }

        message.MessageId = claim.MessageId;
        var archive = ReportArchive.FolderFor(settings.ArchiveFolder, report);
        await ReportArchive.WriteAsync(archive, report, message, cancellationToken).ConfigureAwait(false);

        if (settings.Delivery == ReportDeliveryMode.Folder)
        {
            await runs.MarkDoneAsync(claim.Id, ReportRunStatus.Archived, report, cancellationToken).ConfigureAwait(false);
            Log.ReportArchived(logger, runKey, archive);
            return Result(report, ReportDeliveryOutcome.Archived, claim.MessageId, claim.Attempts + 1, null, archive);
        }

        var delay = settings.RetryInitialDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await sender.SendAsync(message, cancellationToken).ConfigureAwait(false);
                await runs.MarkDoneAsync(claim.Id, ReportRunStatus.Sent, report, cancellationToken).ConfigureAwait(false);
                Log.ReportSent(logger, runKey, claim.MessageId, attempt);
                return Result(report, ReportDeliveryOutcome.Sent, claim.MessageId, claim.Attempts + attempt, null, archive);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A configuration error (e.g. STARTTLS not offered, bad sender) will not heal by waiting: give up at once.
                var error = $"{exception.GetType().Name}: {exception.Message}";
                if (attempt >= settings.SendAttempts || !IsTransient(exception))
                {
                    await runs.RecordAttemptFailedAsync(claim.Id, error, settings.ClaimLease, cancellationToken).ConfigureAwait(false);
                    await runs.MarkFailedAsync(claim.Id, error, cancellationToken).ConfigureAwait(false);
                    Log.ReportFailed(logger, runKey, attempt, exception);
                    return Result(report, ReportDeliveryOutcome.Failed, claim.MessageId, claim.Attempts + attempt, error, archive);
                }

                await runs.RecordAttemptFailedAsync(claim.Id, error, settings.ClaimLease, cancellationToken).ConfigureAwait(false);
                Log.SendRetry(logger, runKey, attempt, settings.SendAttempts, delay, exception);
                await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.RetryMaxDelay.Ticks));
            }
        }
    }

    // Folder delivery and dry runs may have no SMTP settings at all: the archived .eml still needs a sender.
    private MimeKit.MailboxAddress FromAddress() =>
        !string.IsNullOrWhiteSpace(sender.From.Address)
            ? sender.From
            : new MimeKit.MailboxAddress("CoppiceMonitor", "reports@coppicemonitor.invalid");

    // Anything the network or the server can throw is worth another attempt; our own bugs are not.
    private static bool IsTransient(Exception exception) => exception switch
    {
        System.Net.Sockets.SocketException or IOException or TimeoutException or OperationCanceledException => true,
        MailKit.ProtocolException or MailKit.Net.Smtp.SmtpCommandException or MailKit.Security.AuthenticationException => true,
        System.Security.Authentication.AuthenticationException or MailKit.Security.SslHandshakeException => true,
        MailKit.ServiceNotConnectedException or MailKit.ServiceNotAuthenticatedException => true,
        _ => false,
    };

    private static ReportDeliveryResult Result(
        RenderedReport report,
        ReportDeliveryOutcome outcome,
        string? messageId,
        int attempts,
        string? error,
        string? archive) =>
        new(report.Kind, report.SchoolId, report.Period, report.RecipientStaffId, report.RecipientName, report.RecipientEmail,
            outcome, messageId, attempts, error, archive, report);
}
