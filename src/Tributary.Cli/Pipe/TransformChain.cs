using Tributary.Abstractions;

namespace Tributary.Cli.Pipe;

/// <summary>Applies transforms in order; a transform that drops the record ends the chain.</summary>
internal sealed class TransformChain(IReadOnlyList<IMessageTransform> steps) : IMessageTransform
{
    public TransformMessage? Transform(TransformMessage message)
    {
        TransformMessage? current = message;
        foreach (var step in steps)
        {
            if (current is null)
                break;
            current = step.Transform(current);
        }
        return current;
    }
}
