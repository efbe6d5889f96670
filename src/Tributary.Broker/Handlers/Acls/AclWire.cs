using Tributary.Broker.Security;

namespace Tributary.Broker.Handlers.Acls;

/// <summary>
/// The ACL enums from their wire codes: a code Kafka does not define reads as UNKNOWN (0), as Kafka's
/// <c>fromCode</c> does, so validation refuses it.
/// </summary>
internal static class AclWire
{
    /// <summary>The message of SECURITY_DISABLED when the cluster runs without an authorizer.</summary>
    public const string NoAuthorizer = "No Authorizer is configured.";

    public static T Read<T>(sbyte code) where T : struct, Enum
    {
        var value = (T)Enum.ToObject(typeof(T), code);
        return Enum.IsDefined(value) ? value : default;
    }

    public static AclBindingFilter Filter(sbyte resourceType, string? resourceName, sbyte patternType, string? principal, string? host, sbyte operation, sbyte permission) =>
        new(Read<AclResourceType>(resourceType), resourceName, Read<AclPatternType>(patternType), principal, host,
            Read<AclOperation>(operation), Read<AclPermissionType>(permission));
}
