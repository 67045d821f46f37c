using CoppiceMonitor.Reports.Rendering;
using MimeKit;

namespace CoppiceMonitor.Reports.Delivery;

/// <summary>
/// Builds the MIME message: multipart/alternative (text, then HTML with the chart as a related inline part by
/// Content-ID) plus the CSV attachment. The Message-Id is fixed per report run so a resend is recognisable.
/// </summary>
public static class ReportMessageFactory
{
    public static MimeMessage Create(RenderedReport report, MailboxAddress from, string messageId)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(from);
        var message = new MimeMessage
        {
            Subject = report.Subject,
            MessageId = messageId,
        };
        message.From.Add(from);
        message.To.Add(new MailboxAddress(report.RecipientName, report.RecipientEmail));

        // Summaries of personal data: ask clients and relays not to treat them as bulk, and mark them confidential.
        message.Headers.Add(HeaderId.Sensitivity, "Company-Confidential");
        message.Headers.Add("Auto-Submitted", "auto-generated");

        var body = new BodyBuilder { TextBody = report.Text, HtmlBody = report.Html };
        var chart = body.LinkedResources.Add(RenderedReport.ChartFileName, report.ChartPng, new ContentType("image", "png"));
        chart.ContentId = RenderedReport.ChartContentId;
        body.Attachments.Add(RenderedReport.CsvFileName, report.Csv, new ContentType("text", "csv") { Charset = "utf-8" });
        message.Body = body.ToMessageBody();
        return message;
    }
}
