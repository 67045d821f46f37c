using System.Text;

namespace CoppiceMonitor.Visits;

/// <summary>
/// RFC 4180 records from text: comma-separated fields, double-quoted fields may hold commas, line breaks and
/// doubled quotes; CRLF or LF line ends; a leading BOM is ignored. A malformed record is reported with its first
/// line number and skipped up to the end of its line, so one bad row never hides the rest.
/// </summary>
internal sealed class CsvRecordReader(TextReader reader)
{
    private readonly TextReader _reader = reader;
    private readonly StringBuilder _field = new();
    private int _line = 1;
    private bool _started;

    /// <summary>Reads the next record. Returns false at the end of input. Blank lines are skipped.</summary>
    public bool TryRead(out List<string> fields, out int lineNumber, out string? error)
    {
        fields = [];
        error = null;
        if (!_started)
        {
            _started = true;
            if (_reader.Peek() == '\uFEFF')
            {
                _reader.Read();
            }
        }

        // Skip blank lines between records.
        while (_reader.Peek() is '\r' or '\n')
        {
            ReadLineEnd();
        }

        lineNumber = _line;
        if (_reader.Peek() < 0)
        {
            return false;
        }

        _field.Clear();
        var quoted = false;
        var afterQuote = false;
        while (true)
        {
            var c = _reader.Read();
            if (quoted)
            {
                if (c < 0)
                {
                    error = "a quoted field is not closed before the end of the file";
                    return true;
                }

                if (c == '"')
                {
                    if (_reader.Peek() == '"')
                    {
                        _reader.Read();
                        _field.Append('"');
                    }
                    else
                    {
                        quoted = false;
                        afterQuote = true;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        _line++;
                    }

                    _field.Append((char)c);
                }

                continue;
            }

            if (c < 0 || c == '\n' || c == '\r')
            {
                fields.Add(_field.ToString());
                if (c == '\r' && _reader.Peek() == '\n')
                {
                    _reader.Read();
                }

                if (c >= 0)
                {
                    _line++;
                }

                return true;
            }

            if (c == ',')
            {
                fields.Add(_field.ToString());
                _field.Clear();
                afterQuote = false;
                continue;
            }

            if (afterQuote)
            {
                error = "text after a closing quote; a field with quotes must be wholly quoted";
                SkipRestOfLine();
                return true;
            }

            if (c == '"')
            {
                if (_field.Length > 0)
                {
                    error = "a quote inside an unquoted field; quote the whole field and double inner quotes";
                    SkipRestOfLine();
                    return true;
                }

                quoted = true;
                continue;
            }

            _field.Append((char)c);
        }
    }

    private void ReadLineEnd()
    {
        if (_reader.Read() == '\r' && _reader.Peek() == '\n')
        {
            _reader.Read();
        }

        _line++;
    }

    private void SkipRestOfLine()
    {
        while (_reader.Peek() is >= 0 and not '\n' and not '\r')
        {
            _reader.Read();
        }

        if (_reader.Peek() >= 0)
        {
            ReadLineEnd();
        }
    }
}
