namespace CoppiceMonitor.Capture;

/// <summary>The one result of every decoder's TryParse.</summary>
public enum ParseStatus : byte
{
    Success,
    /// <summary>The bytes so far are a valid prefix; more are needed (reassembly continues).</summary>
    NeedMoreData,
    /// <summary>The bytes claim to be this protocol but break its rules: counted and dropped.</summary>
    Malformed,
    /// <summary>Not this protocol (or not a message this decoder extracts anything from).</summary>
    NotApplicable,
}
