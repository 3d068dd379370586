using Billing.Tests.Infrastructure;
using System.Text.RegularExpressions;

namespace Billing.Tests.Contract;

/// <summary>A clone carries its own contract: README.md and docs/ link only to files inside the repository.</summary>
public sealed partial class DocsLinkTests
{
    public static TheoryData<string> Documents() =>
        new(new[] { "README.md" }.Concat(Directory.GetFiles(RepoPaths.Of("docs"), "*.md").Select(f => Path.GetRelativePath(RepoPaths.Root, f))));

    [Theory]
    [MemberData(nameof(Documents))]
    public void Links_point_to_files_in_the_repository(string document)
    {
        var path = RepoPaths.Of(document);
        var broken = MarkdownLink().Matches(File.ReadAllText(path))
            .Select(m => m.Groups["target"].Value.Split('#')[0])
            .Where(target => target.Length > 0)
            .Where(target => target.Contains("://", StringComparison.Ordinal) || !Inside(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, target))))
            .ToList();

        Assert.True(broken.Count == 0, $"{document} links outside the repository or to missing files: {string.Join(", ", broken)}");
    }

    private static bool Inside(string full) =>
        full.StartsWith(RepoPaths.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal) && (File.Exists(full) || Directory.Exists(full));

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();
}
