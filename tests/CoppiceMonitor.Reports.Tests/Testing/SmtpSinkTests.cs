using System.Net.Sockets;
using CoppiceMonitor.Testing;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace CoppiceMonitor.Reports.Tests.Testing;

// The sink lives in CoppiceMonitor.Testing, which has no test project of its own; its behaviour is proven here.
public sealed class SmtpSinkTests
{
    [Fact]
    public async Task WaitForMessagesAsync_MessageSentByMailKit_IsReceivedAndParsed()
    {
        await using var sink = await SmtpSink.StartNewAsync();

        await SendAsync(sink, "alice@school.test", "Hello");

        var message = await sink.WaitForMessagesAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal("Hello", message.Subject);
        Assert.Equal("alice@school.test", Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal("body of Hello", message.TextBody?.Trim());
        var received = Assert.Single(sink.Received);
        Assert.Equal(["alice@school.test"], received.EnvelopeTo);
        Assert.Equal("reports@school.test", received.EnvelopeFrom);
    }

    [Fact]
    public async Task StopAsync_ThenStartAsync_RefusesWhileStoppedAndAcceptsOnSamePortAfter()
    {
        await using var sink = await SmtpSink.StartNewAsync();
        var port = sink.Port;
        await SendAsync(sink, "a@school.test", "before");

        await sink.StopAsync();
        await Assert.ThrowsAnyAsync<SocketException>(() => SendAsync(sink, "b@school.test", "during"));

        await sink.StartAsync();
        await SendAsync(sink, "c@school.test", "after");

        await sink.WaitForMessagesAsync(2, TimeSpan.FromSeconds(10));
        Assert.Equal(port, sink.Port);
        Assert.Equal(["before", "after"], sink.Messages.Select(m => m.Subject));
    }

    [Fact]
    public async Task WaitForMessagesAsync_TooFewMessages_ThrowsTimeout()
    {
        await using var sink = await SmtpSink.StartNewAsync();
        await SendAsync(sink, "a@school.test", "only one");

        await Assert.ThrowsAsync<TimeoutException>(() => sink.WaitForMessagesAsync(2, TimeSpan.FromMilliseconds(300)));
    }

    private static async Task SendAsync(SmtpSink sink, string to, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("reports@school.test"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "body of " + subject };
        using var client = new SmtpClient();
        await client.ConnectAsync(sink.Host, sink.Port, SecureSocketOptions.None);
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }
}
