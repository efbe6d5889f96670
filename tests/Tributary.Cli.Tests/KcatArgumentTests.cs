using Tributary.Cli.Common;

namespace Tributary.Cli.Tests;

/// <summary>kcat command lines become the matching commands, parsed directly.</summary>
public sealed class KcatArgumentTests
{
    private static readonly HashSet<string> Commands = ["produce", "consume", "metadata", "offsets", "topics"];

    [Theory]
    [InlineData("-C -b h:1 -t orders -e -q", "consume -b h:1 -t orders -e")]
    [InlineData("-b h:1 -P -t orders -K : -z lz4", "produce -b h:1 -t orders -K : -X compression.codec=lz4")]
    [InlineData("-P -t orders -l input.txt", "produce -t orders --file input.txt")]
    [InlineData("-L -b h:1 -m 2", "metadata -b h:1 --timeout 2")]
    [InlineData("-Q -b h:1 -t orders:0:1700000000000", "offsets -b h:1 -t orders:0:1700000000000")]
    [InlineData("-b h:1 -G readers orders", "consume -b h:1 -G readers -t orders")]
    [InlineData("-b h:1 topics list", "topics list -b h:1")]
    [InlineData("-C -t topics", "consume -t topics")]
    [InlineData("consume -t orders", "consume -t orders")]
    public void A_kcat_line_becomes_the_matching_command(string kcat, string expected) =>
        Assert.Equal(expected.Split(' '), KcatArguments.Translate(kcat.Split(' '), Commands));

    [Theory]
    [InlineData("-P -t orders -T", "tee mode")]
    [InlineData("-P -t orders -D ;", "-D ';' is not supported")]
    [InlineData("-P -t orders whole-file.bin", "use -l FILE")]
    [InlineData("-L -J", "-J with -L")]
    public void Kcat_options_without_an_equivalent_are_refused_in_one_line(string kcat, string message) =>
        Assert.Contains(message, Assert.Throws<UserErrorException>(() => KcatArguments.Translate(kcat.Split(' '), Commands)).Message);
}
