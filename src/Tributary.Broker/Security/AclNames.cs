using System.Globalization;
using System.Text;

namespace Tributary.Broker.Security;

/// <summary>The names Kafka prints and its tools accept for ACL enums: upper snake case (<c>DESCRIBE_CONFIGS</c>, <c>TRANSACTIONAL_ID</c>).</summary>
public static class AclNames
{
    /// <summary>The Kafka name of <paramref name="value"/>, e.g. <c>IDEMPOTENT_WRITE</c>; the number when it has none.</summary>
    public static string Of<T>(T value) where T : struct, Enum
    {
        if (!Enum.IsDefined(value)) return Convert.ToInt32(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        var name = value.ToString();
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i])) builder.Append('_');
            builder.Append(char.ToUpperInvariant(name[i]));
        }
        return builder.ToString();
    }

    /// <summary>Parses a Kafka name (<c>describe-configs</c>, <c>DescribeConfigs</c> and <c>DESCRIBE_CONFIGS</c> all work).</summary>
    public static bool TryParse<T>(string text, out T value) where T : struct, Enum
    {
        value = default;
        // Names only: Enum.TryParse would also take numbers.
        return text.Length > 0 && char.IsAsciiLetter(text[0])
            && Enum.TryParse(text.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out value)
            && Enum.IsDefined(value);
    }
}
