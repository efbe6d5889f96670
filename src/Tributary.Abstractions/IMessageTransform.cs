namespace Tributary.Abstractions;

/// <summary>
/// Transforms one record on its way from one topic to another, as <c>tributary pipe --plugin</c> does with a class
/// from a plug-in assembly. Implementations need a public parameterless constructor; one instance handles every
/// record of a pipe, one record at a time.
/// </summary>
/// <example>
/// <code>
/// public sealed class Reverse : IMessageTransform
/// {
///     public TransformMessage? Transform(TransformMessage message) =>
///         message.WithValueText(new string(message.ValueText?.Reverse().ToArray()));
/// }
/// </code>
/// </example>
public interface IMessageTransform
{
    /// <summary>Returns the record to write, or null to drop <paramref name="message"/> (its offset is still committed).</summary>
    /// <param name="message">The consumed record.</param>
    TransformMessage? Transform(TransformMessage message);
}
