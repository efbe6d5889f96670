using System.Globalization;

namespace Tributary.Benchmarks;

/// <summary>
/// Linux's /proc/PID/stat and /proc/PID/task/TID/stat lines, "pid (name) state ppid ...": the name may hold spaces and
/// parentheses, so the fields are counted after its last closing parenthesis (see proc(5)).
/// </summary>
internal readonly struct ProcStat
{
    private readonly string[] _fields;

    private ProcStat(string name, string[] fields) => (Name, _fields) = (name, fields);

    /// <summary>The thread's or process's name (comm), without its parentheses.</summary>
    public string Name { get; }

    /// <summary>Minor page faults (minflt).</summary>
    public long MinorFaults => Field(7);

    /// <summary>CPU time in user and system mode together (utime + stime), in clock ticks.</summary>
    public long CpuTicks => Field(11) + Field(12);

    /// <summary>Reads the stat file at <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The file is gone (the thread or process ended) or cannot be read.</exception>
    public static ProcStat Read(string path)
    {
        var stat = File.ReadAllText(path);
        var close = stat.LastIndexOf(')');
        return new ProcStat(stat[(stat.IndexOf('(') + 1)..close], stat[(close + 2)..].Split(' '));
    }

    // Counted from the state, the first field after the name (field 3 in proc(5)'s numbering).
    private long Field(int index) => long.Parse(_fields[index], CultureInfo.InvariantCulture);
}
