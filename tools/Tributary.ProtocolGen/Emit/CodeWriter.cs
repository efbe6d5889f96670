using System.Text;

namespace Tributary.ProtocolGen.Emit;

/// <summary>Builds indented C# text with '\n' line endings, so output is identical on every platform.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public void Line(string line = "")
    {
        if (line.Length > 0) _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
    }

    /// <summary>Writes <paramref name="header"/> (if any) and an opening brace; disposing the result closes the block.</summary>
    public IDisposable Block(string? header)
    {
        if (header is not null) Line(header);
        Line("{");
        _indent++;
        return new BlockCloser(this);
    }

    /// <summary>Writes <paramref name="body"/> inside <c>if (condition)</c>, or unguarded when the condition always holds.</summary>
    public void If(Condition condition, Action body)
    {
        if (condition.IsNever) return;
        if (condition.IsAlways)
        {
            body();
            return;
        }
        using (Block($"if ({condition.Expression})")) body();
    }

    /// <summary>Writes an if/else on <paramref name="condition"/>, or just the branch that applies when it is constant.</summary>
    public void IfElse(Condition condition, Action whenTrue, Action whenFalse)
    {
        if (condition.IsAlways || condition.IsNever)
        {
            (condition.IsAlways ? whenTrue : whenFalse)();
            return;
        }
        using (Block($"if ({condition.Expression})")) whenTrue();
        using (Block("else")) whenFalse();
    }

    public override string ToString() => _text.ToString();

    private sealed class BlockCloser(CodeWriter writer) : IDisposable
    {
        public void Dispose()
        {
            writer._indent--;
            writer.Line("}");
        }
    }
}
