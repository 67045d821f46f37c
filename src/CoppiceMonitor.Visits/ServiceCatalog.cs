using System.Collections.Concurrent;
using System.Net;

namespace CoppiceMonitor.Visits;

/// <summary>
/// Hostname -> (service, category, role). Every row comes from the shipped data files (Data/services.tsv,
/// Data/special-categories.tsv) or the school's configuration; uncatalogued hosts are sites named by their
/// registrable domain. Precedence: exact row, then the longest suffix row (bare TLD rows included), then label-prefix
/// patterns (broad nDPI heuristics, so they only decide when nothing more specific does). Thread-safe after loading.
/// </summary>
public sealed class ServiceCatalog
{
    private const string ServicesResource = "CoppiceMonitor.Visits.Data.services.tsv";
    private const string SpecialResource = "CoppiceMonitor.Visits.Data.special-categories.tsv";
    private const int MaxCachedHosts = 50_000;

    private readonly Dictionary<string, CatalogueRow> _exact;
    private readonly Dictionary<string, CatalogueRow> _suffix;
    private readonly Dictionary<string, CatalogueRow>.AlternateLookup<ReadOnlySpan<char>> _suffixLookup;
    private readonly Dictionary<string, CatalogueRow>.AlternateLookup<ReadOnlySpan<char>> _exactLookup;
    private readonly CatalogueRow[] _registrablePrefixes;
    private readonly CatalogueRow[] _labelPrefixes;
    private readonly Dictionary<string, string> _serviceCategories;
    private readonly PublicSuffixList _publicSuffixes;
    private readonly ConcurrentDictionary<string, HostClassification> _cache = new(StringComparer.Ordinal);
    private int _cachedHosts;

    private ServiceCatalog(IReadOnlyList<CatalogueRow> rows, PublicSuffixList publicSuffixes, IDictionary<string, string> categoryOverrides)
    {
        Rows = rows;
        _publicSuffixes = publicSuffixes;
        _exact = new Dictionary<string, CatalogueRow>(StringComparer.Ordinal);
        _suffix = new Dictionary<string, CatalogueRow>(StringComparer.Ordinal);
        var registrablePrefixes = new List<CatalogueRow>();
        var labelPrefixes = new List<CatalogueRow>();
        _serviceCategories = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var row in rows)
        {
            // Later rows win: configuration is applied after the shipped files.
            switch (row.Match)
            {
                case CatalogueMatch.Exact:
                    _exact[row.Suffix] = row;
                    break;
                case CatalogueMatch.Suffix or CatalogueMatch.Tld:
                    _suffix[row.Suffix] = row;
                    break;
                case CatalogueMatch.LabelPrefix when row.Suffix.EndsWith(".*", StringComparison.Ordinal):
                    registrablePrefixes.RemoveAll(r => r.Suffix == row.Suffix);
                    registrablePrefixes.Add(row);
                    break;
                default:
                    labelPrefixes.RemoveAll(r => r.Suffix == row.Suffix);
                    labelPrefixes.Add(row);
                    break;
            }

            if (!row.IsSpecialCategory && !row.IsDnsOverHttps && !row.IsEchOuterName)
            {
                _serviceCategories.TryAdd(row.Service, row.Category);
            }
        }

        foreach (var (service, category) in categoryOverrides)
        {
            _serviceCategories[service] = category;
        }

        // Longer patterns are more specific: 'pinterest.co.*' before 'pinterest.*'.
        _registrablePrefixes = [.. registrablePrefixes.OrderByDescending(r => r.Suffix.Length).ThenBy(r => r.Suffix, StringComparer.Ordinal)];
        _labelPrefixes = [.. labelPrefixes.OrderByDescending(r => r.Suffix.Length).ThenBy(r => r.Suffix, StringComparer.Ordinal)];
        _suffixLookup = _suffix.GetAlternateLookup<ReadOnlySpan<char>>();
        _exactLookup = _exact.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Every row in load order (shipped services, shipped special categories, then configuration).</summary>
    public IReadOnlyList<CatalogueRow> Rows { get; }

    /// <summary>Service names of the catalogue (not special categories, DoH or ECH rows).</summary>
    public IReadOnlyCollection<string> Services => _serviceCategories.Keys;

    public PublicSuffixList PublicSuffixes => _publicSuffixes;

    /// <summary>The shipped files, the system (or shipped) Public Suffix List, and optional school additions.</summary>
    public static ServiceCatalog LoadDefault(CatalogueOptions? options = null) =>
        Load(PublicSuffixList.LoadDefault(), options);

    public static ServiceCatalog Load(PublicSuffixList publicSuffixes, CatalogueOptions? options = null)
    {
        using var services = OpenResource(ServicesResource);
        using var special = OpenResource(SpecialResource);
        return Parse(services, special, publicSuffixes, options);
    }

    /// <summary>
    /// Builds a catalogue from services.tsv and special-categories.tsv text. Throws <see cref="InvalidDataException"/>
    /// (with the line number) on a malformed row or on one suffix given to two different services.
    /// </summary>
    public static ServiceCatalog Parse(TextReader services, TextReader? specialCategories, PublicSuffixList publicSuffixes, CatalogueOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(publicSuffixes);
        var rows = new List<CatalogueRow>();
        var seen = new Dictionary<(string, CatalogueMatch), CatalogueRow>();
        ReadServices(services, rows, seen);
        if (specialCategories is not null)
        {
            ReadSpecial(specialCategories, rows, seen);
        }

        if (options is not null)
        {
            AddConfigured(options, rows);
        }

        return new ServiceCatalog(rows, publicSuffixes, options?.ServiceCategories ?? new Dictionary<string, string>());
    }

    /// <summary>The category of a catalogued service, or null when the service is unknown.</summary>
    public string? CategoryOf(string service) =>
        _serviceCategories.TryGetValue(service, out var category) ? category : null;

    /// <summary>Classifies a hostname (any case, optional trailing dot or port). Never throws. Thread-safe.</summary>
    public HostClassification Classify(string hostname)
    {
        ArgumentNullException.ThrowIfNull(hostname);
        if (_cache.TryGetValue(hostname, out var cached))
        {
            return cached;
        }

        var result = ClassifyUncached(hostname);
        if (Interlocked.Increment(ref _cachedHosts) > MaxCachedHosts)
        {
            // Hostnames repeat heavily within a day; a crude reset keeps memory bounded without LRU bookkeeping.
            // (ConcurrentDictionary.Count takes every lock, so the size is tracked separately.)
            _cache.Clear();
            Interlocked.Exchange(ref _cachedHosts, 0);
        }

        _cache.TryAdd(hostname, result);
        return result;
    }

    private HostClassification ClassifyUncached(string hostname)
    {
        var host = Normalise(hostname);
        if (host.Length == 0 || IPAddress.TryParse(host, out _))
        {
            // An address literal names no site; keep it as its own "site" so the evidence is not lost.
            return new HostClassification(host, ServiceCategories.General, HostRole.FirstParty, false, false)
            {
                RegistrableDomain = host,
            };
        }

        var row = FindRow(host);
        if (row is null)
        {
            var domain = _publicSuffixes.GetRegistrableDomain(host);
            return new HostClassification(domain, ServiceCategories.General, HostRole.FirstParty, false, false)
            {
                RegistrableDomain = domain,
            };
        }

        if (row.IsSpecialCategory)
        {
            // Policy 10.3: only the category travels on; the service name is the category itself.
            return new HostClassification(row.Category, row.Category, HostRole.FirstParty, true, false);
        }

        var category = _serviceCategories.TryGetValue(row.Service, out var c) ? c : row.Category;
        return new HostClassification(row.Service, category, row.Role, false, row.IsDnsOverHttps)
        {
            IsEchOuterName = row.IsEchOuterName,
            IsCatalogued = true,
            RegistrableDomain = _publicSuffixes.GetRegistrableDomain(host),
            AlsoExtends = row.AlsoExtends,
        };
    }

    /// <summary>The row that decides a (normalised) hostname, or null for an uncatalogued site.</summary>
    public CatalogueRow? FindRow(string host)
    {
        var span = host.AsSpan();
        if (_exactLookup.TryGetValue(span, out var exact))
        {
            return exact;
        }

        var start = 0;
        while (true)
        {
            if (_suffixLookup.TryGetValue(span[start..], out var row))
            {
                return row;
            }

            var dot = span[start..].IndexOf('.');
            if (dot < 0)
            {
                break;
            }

            start += dot + 1;
        }

        if (_registrablePrefixes.Length > 0)
        {
            var domain = _publicSuffixes.GetRegistrableDomain(host);
            foreach (var pattern in _registrablePrefixes)
            {
                // 'brand.*' stands for brand.<public suffix>, i.e. the registrable domain starts with 'brand.'.
                var prefix = pattern.Suffix.AsSpan(0, pattern.Suffix.Length - 1);
                if (domain.AsSpan().StartsWith(prefix, StringComparison.Ordinal))
                {
                    return pattern;
                }
            }
        }

        foreach (var pattern in _labelPrefixes)
        {
            var prefix = pattern.Suffix.AsSpan(0, pattern.Suffix.Length - 1);
            foreach (var label in span.Split('.'))
            {
                if (span[label].StartsWith(prefix, StringComparison.Ordinal))
                {
                    return pattern;
                }
            }
        }

        return null;
    }

    internal static string Normalise(string? hostname)
    {
        if (string.IsNullOrWhiteSpace(hostname))
        {
            return "";
        }

        var host = hostname.Trim().TrimEnd('.');
        var colon = host.LastIndexOf(':');
        if (colon > 0 && host.IndexOf(':') == colon && !host.StartsWith('['))
        {
            // host:port from an HTTP Host header.
            host = host[..colon];
        }

        host = host.Trim('[', ']');
        return host.ToLowerInvariant();
    }

    private static StreamReader OpenResource(string name)
    {
        var stream = typeof(ServiceCatalog).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded resource {name} is missing.");
        return new StreamReader(stream);
    }

    private static void ReadServices(TextReader reader, List<CatalogueRow> rows, Dictionary<(string, CatalogueMatch), CatalogueRow> seen)
    {
        var lineNumber = 0;
        var headerSeen = false;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split('\t');
            if (!headerSeen)
            {
                headerSeen = true;
                if (fields[0] == "service")
                {
                    continue;
                }
            }

            if (fields.Length < 5)
            {
                throw new InvalidDataException($"services.tsv line {lineNumber}: expected at least 5 tab-separated columns.");
            }

            var role = ParseRole(fields[2]) ?? throw new InvalidDataException($"services.tsv line {lineNumber}: unknown role '{fields[2]}'.");
            var match = ParseMatch(fields[3]) ?? throw new InvalidDataException($"services.tsv line {lineNumber}: unknown match '{fields[3]}'.");
            var extends = fields.Length > 5 && fields[5].Length > 0
                ? fields[5].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : [];
            var row = new CatalogueRow(fields[0], fields[1].ToLowerInvariant(), role, match, fields[4], extends, $"services.tsv:{lineNumber}");
            AddChecked(row, lineNumber, "services.tsv", rows, seen);
        }
    }

    private static void ReadSpecial(TextReader reader, List<CatalogueRow> rows, Dictionary<(string, CatalogueMatch), CatalogueRow> seen)
    {
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith("suffix\t", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line.Split('\t');
            if (fields.Length < 2 || !ServiceCategories.IsSpecial(fields[1]))
            {
                throw new InvalidDataException($"special-categories.tsv line {lineNumber}: expected 'suffix<TAB>category' with a special category.");
            }

            var row = new CatalogueRow(fields[1], fields[0].ToLowerInvariant(), HostRole.FirstParty, CatalogueMatch.Suffix, fields[1], [], $"special-categories.tsv:{lineNumber}");
            AddChecked(row, lineNumber, "special-categories.tsv", rows, seen);
        }
    }

    private static void AddChecked(CatalogueRow row, int lineNumber, string file, List<CatalogueRow> rows, Dictionary<(string, CatalogueMatch), CatalogueRow> seen)
    {
        var key = (row.Suffix, row.Match == CatalogueMatch.Tld ? CatalogueMatch.Suffix : row.Match);
        if (seen.TryGetValue(key, out var earlier) && earlier.Service != row.Service)
        {
            throw new InvalidDataException(
                $"{file} line {lineNumber}: suffix '{row.Suffix}' is already given to {earlier.Service} ({earlier.Origin}).");
        }

        seen[key] = row;
        rows.Add(row);
    }

    private static void AddConfigured(CatalogueOptions options, List<CatalogueRow> rows)
    {
        var categories = rows.GroupBy(r => r.Service, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First().Category, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Services.Count; i++)
        {
            var entry = options.Services[i];
            var role = ParseRole(entry.Role) ?? throw new InvalidDataException($"Catalogue:Services:{i}:Role: unknown role '{entry.Role}'.");
            var match = ParseMatch(entry.Match) ?? throw new InvalidDataException($"Catalogue:Services:{i}:Match: unknown match '{entry.Match}'.");
            if (string.IsNullOrWhiteSpace(entry.Service) || string.IsNullOrWhiteSpace(entry.Suffix))
            {
                throw new InvalidDataException($"Catalogue:Services:{i}: Service and Suffix are required.");
            }

            var category = entry.Category
                ?? (categories.TryGetValue(entry.Service, out var known) ? known : ServiceCategories.SocialMedia);
            rows.Add(new CatalogueRow(entry.Service, Normalise(entry.Suffix), role, match, category, [], $"Catalogue:Services:{i}"));
        }

        foreach (var (suffix, category) in options.SpecialCategories)
        {
            var canonical = ServiceCategories.Special.FirstOrDefault(s => string.Equals(s, category, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidDataException(
                    $"Catalogue:SpecialCategories:{suffix}: '{category}' is not one of {string.Join(", ", ServiceCategories.Special)}.");
            rows.Add(new CatalogueRow(canonical, Normalise(suffix), HostRole.FirstParty, CatalogueMatch.Suffix, canonical, [], $"Catalogue:SpecialCategories:{suffix}"));
        }
    }

    /// <summary>Every problem of a school's catalogue additions and category overrides, each naming its key.</summary>
    public static IReadOnlyList<string> CheckOptions(CatalogueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        for (var i = 0; i < options.Services.Count; i++)
        {
            var entry = options.Services[i];
            var key = $"{CatalogueOptions.SectionName}:Services:{i}";
            if (ParseRole(entry.Role ?? "") is null)
            {
                errors.Add($"{key}:Role: unknown role '{entry.Role}' (first-party, cdn, embed, api or messaging).");
            }

            if (ParseMatch(entry.Match ?? "") is null)
            {
                errors.Add($"{key}:Match: unknown match '{entry.Match}' (suffix, exact, label-prefix or tld).");
            }

            if (string.IsNullOrWhiteSpace(entry.Service) || string.IsNullOrWhiteSpace(entry.Suffix))
            {
                errors.Add($"{key}: Service and Suffix are required.");
            }

            if (entry.Category is { } category && (category.Trim().Length == 0 || ServiceCategories.IsSpecial(category)))
            {
                errors.Add($"{key}:Category: '{category}' is not allowed; special categories go under {CatalogueOptions.SectionName}:SpecialCategories.");
            }
        }

        foreach (var (suffix, category) in options.SpecialCategories)
        {
            if (!ServiceCategories.Special.Any(s => string.Equals(s, category, StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add($"{CatalogueOptions.SectionName}:SpecialCategories:{suffix}: '{category}' is not one of {string.Join(", ", ServiceCategories.Special)}.");
            }
        }

        foreach (var (service, category) in options.ServiceCategories)
        {
            if (string.IsNullOrWhiteSpace(category) || ServiceCategories.IsSpecial(category))
            {
                errors.Add($"{CatalogueOptions.SectionName}:ServiceCategories:{service}: '{category}' is not allowed as a service's category.");
            }
        }

        return errors;
    }

    private static HostRole? ParseRole(string text) => text.Trim().ToLowerInvariant() switch
    {
        "first-party" or "firstparty" => HostRole.FirstParty,
        "cdn" => HostRole.Cdn,
        "embed" or "embed-sdk" => HostRole.Embed,
        "api" => HostRole.Api,
        "messaging" => HostRole.Messaging,
        _ => null,
    };

    private static CatalogueMatch? ParseMatch(string text) => text.Trim().ToLowerInvariant() switch
    {
        "suffix" or "" => CatalogueMatch.Suffix,
        "exact" => CatalogueMatch.Exact,
        "label-prefix" => CatalogueMatch.LabelPrefix,
        "tld" => CatalogueMatch.Tld,
        _ => null,
    };
}
