using System.Buffers;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using Xunit;
using SmtpServerHost = SmtpServer.SmtpServer;
using SmtpServiceProvider = SmtpServer.ComponentModel.ServiceProvider;

namespace CoppiceMonitor.Testing;

/// <summary>
/// A real SMTP server (the SmtpServer package) listening on a free loopback port inside the test process. It keeps
/// every message it accepts, parsed with MimeKit, so tests can assert on what a real SMTP client delivered. Stop and
/// Start keep the same port so a test can simulate the school's mail server being down and coming back.
/// Usable as an xunit class or collection fixture (IAsyncLifetime) or directly with <see cref="StartNewAsync"/>.
/// </summary>
public sealed class SmtpSink : IAsyncLifetime, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<SmtpSinkMessage> _received = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private CancellationTokenSource? _stop;
    private Task? _serverTask;

    public SmtpSink()
    {
        Port = FindFreePort();
    }

    /// <summary>Host name a client connects to.</summary>
    public string Host { get; } = "127.0.0.1";

    /// <summary>Loopback port; the same across Stop/Start.</summary>
    public int Port { get; }

    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _stop is not null;
            }
        }
    }

    /// <summary>Messages accepted so far, in arrival order.</summary>
    public IReadOnlyList<MimeMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return _received.Select(r => r.Message).ToArray();
            }
        }
    }

    /// <summary>Messages with their SMTP envelope (MAIL FROM / RCPT TO), which can differ from the headers.</summary>
    public IReadOnlyList<SmtpSinkMessage> Received
    {
        get
        {
            lock (_gate)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Number of connections refused while stopped is not observable; this counts accepted messages.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _received.Count;
            }
        }
    }

    public static async Task<SmtpSink> StartNewAsync()
    {
        var sink = new SmtpSink();
        await sink.StartAsync();
        return sink;
    }

    /// <summary>Starts listening (again) on <see cref="Port"/>. Returns once the port accepts connections.</summary>
    public async Task StartAsync()
    {
        CancellationTokenSource stop;
        lock (_gate)
        {
            if (_stop is not null)
            {
                return;
            }

            stop = new CancellationTokenSource();
            _stop = stop;
        }

        var options = new SmtpServerOptionsBuilder()
            .ServerName("smtp-sink.test")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)).SessionTimeout(TimeSpan.FromSeconds(30)))
            .Build();
        var services = new SmtpServiceProvider();
        services.Add(new SinkStore(this));
        var server = new SmtpServerHost(options, services);
        _serverTask = server.StartAsync(stop.Token);
        await WaitUntilListeningAsync(_serverTask);
    }

    /// <summary>
    /// Stops listening and drops open sessions abruptly, as an outage would; messages already received are kept.
    /// </summary>
    public async Task StopAsync()
    {
        CancellationTokenSource? stop;
        Task? serverTask;
        lock (_gate)
        {
            stop = _stop;
            serverTask = _serverTask;
            _stop = null;
            _serverTask = null;
        }

        if (stop is null)
        {
            return;
        }

        await stop.CancelAsync();
        if (serverTask is not null)
        {
            try
            {
                await serverTask.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (OperationCanceledException)
            {
                // Cancellation is how the server is told to stop.
            }
        }

        stop.Dispose();
    }

    /// <summary>Synchronous form of <see cref="StopAsync"/> for tests that are not async.</summary>
    public void Stop() => StopAsync().GetAwaiter().GetResult();

    /// <summary>Synchronous form of <see cref="StartAsync"/>.</summary>
    public void Start() => StartAsync().GetAwaiter().GetResult();

    public void Clear()
    {
        lock (_gate)
        {
            _received.Clear();
        }
    }

    /// <summary>
    /// Waits until at least <paramref name="count"/> messages have arrived and returns the count-th one (the last of
    /// those waited for); throws <see cref="TimeoutException"/> when they do not arrive in time.
    /// Use <see cref="Messages"/> for all of them.
    /// </summary>
    public async Task<MimeMessage> WaitForMessagesAsync(int count, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (_received.Count >= count)
            {
                return _received[count - 1].Message;
            }

            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
        }

        try
        {
            await signal.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"SMTP sink received {Count} message(s) within {timeout}, expected {count}.");
        }

        lock (_gate)
        {
            return _received[count - 1].Message;
        }
    }

    public async Task InitializeAsync() => await StartAsync();

    async Task IAsyncLifetime.DisposeAsync() => await StopAsync();

    public async ValueTask DisposeAsync() => await StopAsync();

    private void Add(SmtpSinkMessage message)
    {
        List<TaskCompletionSource> ready = [];
        lock (_gate)
        {
            _received.Add(message);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_received.Count >= _waiters[i].Count)
                {
                    ready.Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var signal in ready)
        {
            signal.TrySetResult();
        }
    }

    private async Task WaitUntilListeningAsync(Task serverTask)
    {
        // SmtpServer binds inside StartAsync's background work; poll with a real connect so callers never race it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            if (serverTask.IsFaulted)
            {
                await serverTask;
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    private static int FindFreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private sealed class SinkStore(SmtpSink sink) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(
            ISessionContext context,
            IMessageTransaction transaction,
            ReadOnlySequence<byte> buffer,
            CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            sink.Add(new SmtpSinkMessage(
                message,
                transaction.From is null ? string.Empty : $"{transaction.From.User}@{transaction.From.Host}",
                [.. transaction.To.Select(m => $"{m.User}@{m.Host}")]));
            return SmtpResponse.Ok;
        }
    }
}

/// <summary>A received message with its SMTP envelope.</summary>
public sealed record SmtpSinkMessage(MimeMessage Message, string EnvelopeFrom, IReadOnlyList<string> EnvelopeTo);
