using MySqlConnector;

namespace CouponEvent.AppHost.Local;

/// <summary>
/// A private mariadbd (MySQL-compatible) on a free loopback port, initialised in a folder of its own with
/// database <c>coupondb</c> and a root password. It can be stopped and started again on the same data.
/// </summary>
public sealed class LocalMariaDb : IAsyncDisposable
{
    private readonly string _directory;
    private readonly Action<string, string>? _output;
    private ChildProcess? _process;
    private bool _started;

    /// <summary>The server's process id, for the dashboard; null before it starts.</summary>
    public int? ProcessId => _process?.Id;
    /// <summary>Starts after the first (tests stop and start servers), for the dashboard.</summary>
    public int Restarts { get; private set; }

    private LocalMariaDb(string directory, int port, string password, string database, Action<string, string>? output)
    {
        _directory = directory;
        Port = port;
        Password = password;
        Database = database;
        _output = output;
    }

    public int Port { get; }
    public string Password { get; }
    public string Database { get; }

    /// <summary>Aspire's format for <c>ConnectionStrings__coupondb</c>.</summary>
    public string ConnectionString =>
        $"Server=127.0.0.1;Port={Port};User ID=root;Password={Password};Database={Database}";

    public static async Task<LocalMariaDb> StartAsync(string directory, string database = "coupondb",
        Action<string, string>? output = null, CancellationToken cancellationToken = default)
    {
        var mariaDb = new LocalMariaDb(directory, FreePort.Next(), Convert.ToHexString(Guid.NewGuid().ToByteArray()),
            database, output);
        await mariaDb.InitialiseAsync(cancellationToken);
        await mariaDb.StartAsync(cancellationToken);
        return mariaDb;
    }

    private string DataDirectory => Path.Combine(_directory, "data");

    private async Task InitialiseAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_directory);
        var install = ChildProcess.Start("mysql-init", Executables.Find("mariadb-install-db", "mariadb-server"),
        [
            "--no-defaults", $"--datadir={DataDirectory}", "--user=root",
            "--auth-root-authentication-method=normal", "--skip-test-db",
        ]);
        await install.WaitForExitAsync(cancellationToken);
        if (install.ExitCode != 0) throw install.Failure($"failed with exit code {install.ExitCode}");

        // Runs at every start: idempotent. The TCP root user gets the password; the database exists.
        await File.WriteAllTextAsync(Path.Combine(_directory, "init.sql"), $"""
            CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '{Password}';
            GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
            CREATE DATABASE IF NOT EXISTS `{Database}`;
            """, cancellationToken);
    }

    /// <summary>Starts (or restarts) the server on the same port and data.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_started) Restarts++;
        _started = true;
        _process = ChildProcess.Start("mysql", Executables.Find("mariadbd", "mariadb-server"),
        [
            "--no-defaults", $"--datadir={DataDirectory}", "--user=root",
            $"--port={Port}", "--bind-address=127.0.0.1", "--skip-name-resolve",
            $"--socket={Path.Combine(_directory, "mysqld.sock")}", $"--pid-file={Path.Combine(_directory, "mysqld.pid")}",
            $"--init-file={Path.Combine(_directory, "init.sql")}",
            "--skip-log-bin", "--innodb-buffer-pool-size=256M", "--max-connections=500",
            // Local mode trades a second of durability on an OS crash for speed; a process crash loses nothing.
            "--innodb-flush-log-at-trx-commit=2",
            "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
        ], output: _output);
        await WaitUntilReadyAsync(cancellationToken);
    }

    /// <summary>A clean shutdown (SIGTERM); the data stays for the next start.</summary>
    public async Task StopAsync()
    {
        if (_process is not null) await _process.StopAsync(TimeSpan.FromSeconds(30));
        _process = null;
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited) throw _process.Failure("exited during start-up");
            try
            {
                await using var connection = new MySqlConnection(ConnectionString + ";Pooling=false;Connection Timeout=2");
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (MySqlException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
        throw _process!.Failure("did not accept connections within 60 s");
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
