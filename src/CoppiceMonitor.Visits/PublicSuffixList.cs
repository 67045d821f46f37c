using System.Globalization;
using System.Text;

namespace CoppiceMonitor.Visits;

/// <summary>
/// The Public Suffix List (publicsuffix.org) rules, used to cut a hostname down to its registrable domain
/// (news.bbc.co.uk -> bbc.co.uk). Both the ICANN and the private sections apply, so github.io sites stay apart.
/// </summary>
public sealed class PublicSuffixList
{
    /// <summary>Where Debian's publicsuffix package puts the list.</summary>
    public const string SystemPath = "/usr/share/publicsuffix/public_suffix_list.dat";

    private const string ResourceName = "CoppiceMonitor.Visits.Data.public_suffix_list.dat";

    private readonly HashSet<string> _rules;
    private readonly HashSet<string> _wildcardParents;
    private readonly HashSet<string> _exceptions;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _rulesLookup;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _wildcardLookup;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _exceptionLookup;

    private PublicSuffixList(HashSet<string> rules, HashSet<string> wildcardParents, HashSet<string> exceptions, string source)
    {
        _rules = rules;
        _wildcardParents = wildcardParents;
        _exceptions = exceptions;
        _rulesLookup = rules.GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcardLookup = wildcardParents.GetAlternateLookup<ReadOnlySpan<char>>();
        _exceptionLookup = exceptions.GetAlternateLookup<ReadOnlySpan<char>>();
        Source = source;
    }

    /// <summary>Where the rules came from: the system file path or "embedded".</summary>
    public string Source { get; }

    public int RuleCount => _rules.Count + _wildcardParents.Count + _exceptions.Count;

    /// <summary>The system list when present (it is kept current by the OS), else the shipped copy.</summary>
    public static PublicSuffixList LoadDefault()
    {
        if (File.Exists(SystemPath))
        {
            using var file = File.OpenText(SystemPath);
            return Parse(file, SystemPath);
        }

        return LoadEmbedded();
    }

    public static PublicSuffixList LoadEmbedded()
    {
        using var stream = typeof(PublicSuffixList).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing.");
        using var reader = new StreamReader(stream);
        return Parse(reader, "embedded");
    }

    public static PublicSuffixList Parse(TextReader reader, string source = "text")
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rules = new HashSet<string>(StringComparer.Ordinal);
        var wildcards = new HashSet<string>(StringComparer.Ordinal);
        var exceptions = new HashSet<string>(StringComparer.Ordinal);
        var idn = new IdnMapping();
        while (reader.ReadLine() is { } line)
        {
            // A rule is the first whitespace-free run of a line; comments start with //.
            var text = line.AsSpan().Trim();
            var space = text.IndexOfAny(' ', '\t');
            if (space >= 0)
            {
                text = text[..space];
            }

            if (text.IsEmpty || text.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            var rule = ToAscii(idn, text.ToString());
            if (rule is null)
            {
                continue;
            }

            if (rule.StartsWith('!'))
            {
                exceptions.Add(rule[1..]);
            }
            else if (rule.StartsWith("*.", StringComparison.Ordinal))
            {
                wildcards.Add(rule[2..]);
            }
            else
            {
                rules.Add(rule);
            }
        }

        return new PublicSuffixList(rules, wildcards, exceptions, source);
    }

    /// <summary>
    /// The registrable domain (public suffix plus one label) of a lower-case hostname, or the hostname itself when
    /// it is a public suffix or has a single label.
    /// </summary>
    public string GetRegistrableDomain(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var span = host.AsSpan();
        var suffixStart = FindPublicSuffixStart(span);
        if (suffixStart <= 0)
        {
            return host;
        }

        // One more label to the left of the public suffix.
        var labelStart = span[..(suffixStart - 1)].LastIndexOf('.') + 1;
        return labelStart == 0 ? host : host[labelStart..];
    }

    /// <summary>Index where the public suffix starts in the host (0 when the whole host is a public suffix).</summary>
    private int FindPublicSuffixStart(ReadOnlySpan<char> host)
    {
        // Walk label boundaries from the longest candidate to the shortest; the first hit is the longest rule.
        var start = 0;
        while (true)
        {
            var candidate = host[start..];
            if (_exceptionLookup.Contains(candidate))
            {
                // An exception rule makes the candidate itself registrable: the suffix is its parent.
                var dot = candidate.IndexOf('.');
                return dot < 0 ? host.Length : start + dot + 1;
            }

            if (_rulesLookup.Contains(candidate))
            {
                return start;
            }

            var next = candidate.IndexOf('.');
            if (next < 0)
            {
                // The implicit "*" rule: the last label is the public suffix.
                return start;
            }

            if (_wildcardLookup.Contains(candidate[(next + 1)..]))
            {
                return start;
            }

            start += next + 1;
        }
    }

    private static string? ToAscii(IdnMapping idn, string rule)
    {
        var lower = rule.ToLowerInvariant();
        if (Ascii.IsValid(lower))
        {
            return lower;
        }

        try
        {
            var prefix = lower.StartsWith("*.", StringComparison.Ordinal) ? "*." : lower.StartsWith('!') ? "!" : "";
            return prefix + idn.GetAscii(lower[prefix.Length..]);
        }
        catch (ArgumentException)
        {
            // A rule that cannot be written in ASCII can never match a name seen on the wire (SNI is ASCII).
            return null;
        }
    }
}
