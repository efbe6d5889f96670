using System.Text;

namespace Tributary.ProtocolGen.Loading;

/// <summary>Removes <c>//</c> line comments from the Kafka JSON definitions, leaving string literals intact.</summary>
internal static class JsonComments
{
    public static string Strip(string json)
    {
        var output = new StringBuilder(json.Length);
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                output.Append(c);
                if (c == '\\' && i + 1 < json.Length) output.Append(json[++i]);
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') inString = true;
            else if (c == '/' && i + 1 < json.Length && json[i + 1] == '/')
            {
                // Skip to the end of the line but keep the newline so line numbers in parse errors stay right.
                while (i + 1 < json.Length && json[i + 1] != '\n') i++;
                continue;
            }
            output.Append(c);
        }
        return output.ToString();
    }
}
