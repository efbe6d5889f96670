using Akka.Actor;
using Akka.Configuration;

namespace Tributary.Cli.Common;

/// <summary>Actor systems for the commands that run streams: Akka logs errors only, so its output does not mix with theirs.</summary>
internal static class QuietActorSystem
{
    private static readonly Config ErrorsOnly = ConfigurationFactory.ParseString(
        "akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR\nakka.log-dead-letters = off\nakka.log-dead-letters-during-shutdown = off");

    public static ActorSystem Create(string name) => ActorSystem.Create(name, ErrorsOnly);
}
