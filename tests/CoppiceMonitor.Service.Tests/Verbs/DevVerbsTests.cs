using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MailKit.Net.Smtp;
using MimeKit;

namespace CoppiceMonitor.Service.Tests.Verbs;

public sealed class DevVerbsTests
{
    [Fact]
    public async Task SmtpSink_ReceivesMail_WritesOneEmlFilePerMessage()
    {
        using var folder = new TempFolder();
        var port = FreePort();
        using var process = Process.Start(CoppiceProcess.StartInfo(["dev", "smtp-sink", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", folder.Path]))!;
        try
        {
            var banner = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Contains($"listening on 127.0.0.1:{port}", banner, StringComparison.Ordinal);

            using var client = new SmtpClient();
            await ConnectWithRetryAsync(client, port);
            var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse("reports@coppice.example"));
            message.To.Add(MailboxAddress.Parse("head@coppice.example"));
            message.Subject = "Weekly summary";
            message.Body = new TextPart("plain") { Text = "hello" };
            await client.SendAsync(message);
            await client.DisconnectAsync(quit: true);

            var files = Directory.GetFiles(folder.Path, "*.eml");
            var stored = Assert.Single(files);
            var parsed = await MimeMessage.LoadAsync(stored);
            Assert.Equal("Weekly summary", parsed.Subject);
            Assert.Equal("head@coppice.example", parsed.To.Mailboxes.Single().Address);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static async Task ConnectWithRetryAsync(SmtpClient client, int port)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
                return;
            }
            catch (SocketException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
