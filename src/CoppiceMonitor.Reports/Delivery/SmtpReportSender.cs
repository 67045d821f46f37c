using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace CoppiceMonitor.Reports.Delivery;

/// <summary>Sends one message through the configured SMTP server with MailKit (a fresh connection per send).</summary>
public sealed class SmtpReportSender(IOptions<SmtpOptions> options)
{
    public MailboxAddress From => new(options.Value.FromName, options.Value.FromAddress);

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var smtp = options.Value;
        using var client = new SmtpClient { Timeout = smtp.TimeoutSeconds * 1000 };
        var security = smtp.Security switch
        {
            SmtpSecurity.None => SecureSocketOptions.None,
            SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTls,
        };
        await client.ConnectAsync(smtp.Host, smtp.Port, security, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(smtp.UserName))
        {
            var password = Environment.GetEnvironmentVariable(smtp.PasswordEnvironmentVariable)
                ?? throw new InvalidOperationException(
                    $"SMTP user {smtp.UserName} is configured but environment variable {smtp.PasswordEnvironmentVariable} is not set.");
            await client.AuthenticateAsync(smtp.UserName, password, cancellationToken).ConfigureAwait(false);
        }

        await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
    }
}
