using System.Globalization;
using System.Text;

namespace Tributary.Cli.Control;

/// <summary>An HTTP request as the control server needs it; <see cref="Problem"/> says why it was malformed.</summary>
internal sealed record HttpRequest(string Method, string Path, string Query, string Body, string? Problem = null);

/// <summary>
/// Reads one HTTP/1.1 request: the request line, the headers, and a body given by Content-Length or chunked (or
/// none: a POST without a body is fine). Answers <c>100 Continue</c> when the client expects it (curl does for
/// bodies over 1 KiB). Limits: <c>maxHeaderBytes</c> of request line and headers, <c>maxBodyBytes</c> of body.
/// </summary>
internal static class HttpRequestReader
{
    public static async Task<HttpRequest> ReadAsync(Stream stream, int maxHeaderBytes, int maxBodyBytes, CancellationToken cancellationToken)
    {
        var buffered = new BufferedInput(stream);
        var head = await buffered.ReadHeadAsync(maxHeaderBytes, cancellationToken).ConfigureAwait(false);
        if (head is null) return Malformed("the request line and headers are too long or incomplete");
        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal)) return Malformed($"not an HTTP/1.1 request line: '{lines[0]}'");
        var headers = lines.Skip(1).Where(l => l.Contains(':'))
            .GroupBy(l => l[..l.IndexOf(':')].Trim(), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Last()[(g.Last().IndexOf(':') + 1)..].Trim(), StringComparer.OrdinalIgnoreCase);
        var target = requestLine[1];
        var question = target.IndexOf('?');
        var (path, query) = question < 0 ? (target, "") : (target[..question], target[(question + 1)..]);

        if (headers.TryGetValue("Expect", out var expect) && expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
            await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        byte[] body;
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var chunked = await buffered.ReadChunkedAsync(maxBodyBytes, cancellationToken).ConfigureAwait(false);
            if (chunked is null) return Malformed("a malformed or too large chunked body");
            body = chunked;
        }
        else if (headers.TryGetValue("Content-Length", out var lengthText))
        {
            if (!int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > maxBodyBytes)
                return Malformed($"a body length of '{lengthText}' (at most {maxBodyBytes} bytes)");
            body = await buffered.ReadExactlyAsync(length, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            body = [];
        }
        return new HttpRequest(requestLine[0].ToUpperInvariant(), path, query, Encoding.UTF8.GetString(body));
    }

    private static HttpRequest Malformed(string problem) => new("", "", "", "", problem);

    /// <summary>The stream with what was read past the headers kept for the body.</summary>
    private sealed class BufferedInput(Stream stream)
    {
        private readonly byte[] _buffer = new byte[8192];
        private int _start;
        private int _end;

        /// <summary>The request line and headers (without the blank line), or null when longer than <paramref name="max"/> or cut short.</summary>
        public async Task<string?> ReadHeadAsync(int max, CancellationToken cancellationToken)
        {
            var head = new MemoryStream();
            var matched = 0; // how much of "\r\n\r\n" the last bytes are
            while (true)
            {
                if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false)) return null;
                var b = _buffer[_start++];
                head.WriteByte(b);
                matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : b == '\r' ? 1 : 0;
                if (matched == 4) return Encoding.ASCII.GetString(head.GetBuffer(), 0, (int)head.Length - 4);
                if (head.Length > max) return null;
            }
        }

        public async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
        {
            var result = new byte[count];
            var filled = 0;
            while (filled < count)
            {
                if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false)) throw new IOException("The body ended early.");
                var take = Math.Min(count - filled, _end - _start);
                _buffer.AsSpan(_start, take).CopyTo(result.AsSpan(filled));
                (_start, filled) = (_start + take, filled + take);
            }
            return result;
        }

        /// <summary>A chunked body (size lines in hex, chunks, a zero-size last chunk and trailers), or null when malformed or over <paramref name="max"/>.</summary>
        public async Task<byte[]?> ReadChunkedAsync(int max, CancellationToken cancellationToken)
        {
            var body = new MemoryStream();
            while (true)
            {
                var sizeLine = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
                var extension = sizeLine.IndexOf(';');
                if (!int.TryParse(extension < 0 ? sizeLine : sizeLine[..extension], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size)
                    || size < 0 || body.Length + size > max)
                    return null;
                if (size == 0)
                {
                    while ((await ReadLineAsync(cancellationToken).ConfigureAwait(false)).Length > 0)
                    {
                        // Trailers: ignored.
                    }
                    return body.ToArray();
                }
                body.Write(await ReadExactlyAsync(size, cancellationToken).ConfigureAwait(false));
                if ((await ReadLineAsync(cancellationToken).ConfigureAwait(false)).Length != 0) return null;
            }
        }

        private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new StringBuilder();
            while (true)
            {
                if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false)) throw new IOException("The body ended early.");
                var b = (char)_buffer[_start++];
                if (b == '\n') return line.ToString().TrimEnd('\r');
                if (line.Length > 1024) throw new IOException("A chunk size line is too long.");
                line.Append(b);
            }
        }

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
            return _end > 0;
        }
    }
}
