namespace Tributary.Protocol;

/// <summary>
/// A tagged field this codec does not know. Kept as raw bytes so that a message read and written again
/// carries it unchanged (a newer peer may have sent it).
/// </summary>
/// <param name="Tag">The field's tag number.</param>
/// <param name="Data">The field's encoded value.</param>
public sealed record TaggedField(int Tag, byte[] Data);
