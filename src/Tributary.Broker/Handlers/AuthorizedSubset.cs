namespace Tributary.Broker.Handlers;

/// <summary>
/// For APIs that take a list of resources and refuse the unauthorized ones one by one (DescribeGroups,
/// DeleteGroups): only the allowed ones reach the domain, yet every requested one gets an answer, in request order.
/// </summary>
internal static class AuthorizedSubset
{
    /// <summary>
    /// The answers to <paramref name="requested"/>: those <paramref name="allowed"/> accepts from <paramref name="answer"/>
    /// (called once with all of them, in order; one answer each, in the same order), the others from <paramref name="refuse"/>.
    /// </summary>
    public static List<TResult> Answer<TResult>(IReadOnlyList<string> requested, Func<string, bool> allowed,
        Func<IReadOnlyList<string>, IEnumerable<TResult>> answer, Func<string, TResult> refuse)
    {
        var isAllowed = requested.Select(allowed).ToList();
        var answers = new Queue<TResult>(answer(requested.Where((_, i) => isAllowed[i]).ToList()));
        return requested.Select((item, i) => isAllowed[i] ? answers.Dequeue() : refuse(item)).ToList();
    }
}
