using Tributary.Protocol;

namespace Tributary.Broker.Handlers;

/// <summary>
/// For APIs that take a list of resources and refuse some of them one by one (DescribeGroups, DeleteGroups: an
/// unauthorized group, or one this broker does not coordinate): only the accepted ones reach the domain, yet every
/// requested one gets an answer, in request order.
/// </summary>
internal static class AuthorizedSubset
{
    /// <summary>
    /// The answers to <paramref name="requested"/>: those <paramref name="check"/> accepts (NONE) from <paramref name="answer"/>
    /// (called once with all of them, in order; one answer each, in the same order), the others from <paramref name="refuse"/>
    /// with the error <paramref name="check"/> gave.
    /// </summary>
    public static List<TResult> Answer<TResult>(IReadOnlyList<string> requested, Func<string, ErrorCode> check,
        Func<IReadOnlyList<string>, IEnumerable<TResult>> answer, Func<string, ErrorCode, TResult> refuse)
    {
        var errors = requested.Select(check).ToList();
        var answers = new Queue<TResult>(answer(requested.Where((_, i) => errors[i] == ErrorCode.None).ToList()));
        return requested.Select((item, i) => errors[i] == ErrorCode.None ? answers.Dequeue() : refuse(item, errors[i])).ToList();
    }
}
