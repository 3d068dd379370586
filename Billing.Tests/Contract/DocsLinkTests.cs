using System.Text.RegularExpressions;

namespace Billing.Tests.Contract;

/// <summary>
/// A clone carries its own documentation: no file cites a document the clone does not have, Markdown links point
/// to files inside the repository, and a code comment's <c>docs/&lt;file&gt;.md#section</c> names a file and heading that exist.
/// </summary>
public sealed partial class DocsLinkTests
{
    // Spelled in two parts so that this file does not mention it itself.
    private static readonly string OutsideDesign = "DESIGN" + ".md";

    /// <summary>Every file git tracks (what a clone has), web/ included, as paths relative to the root.</summary>
    private static IReadOnlyList<string> TrackedFiles { get; } = GitLsFiles();

    public static TheoryData<string> Documents() => new(TrackedFiles.Where(f => f.EndsWith(".md", StringComparison.Ordinal)));

    [Fact]
    public void No_tracked_file_cites_the_design_document_a_clone_does_not_have()
    {
        var citing = TrackedFiles.Where(f => File.Exists(RepoPaths.Of(f)) && Text(f).Contains(OutsideDesign, StringComparison.Ordinal)).ToList();
        Assert.True(citing.Count == 0, $"{string.Join(", ", citing)} cite {OutsideDesign}, which is not in the repository: say the why, or link docs/");
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Links_point_to_files_in_the_repository(string document)
    {
        var path = RepoPaths.Of(document);
        var broken = MarkdownLink().Matches(File.ReadAllText(path))
            .Select(m => m.Groups["target"].Value)
            .Where(target => target.Length > 0 && !target.StartsWith('#'))
            .Where(target => target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal) ||
                             !Exists(Path.GetDirectoryName(path)!, target))
            .ToList();

        Assert.True(broken.Count == 0, $"{document} links outside the repository or to missing files or headings: {string.Join(", ", broken)}");
    }

    [Fact]
    public void Docs_cited_in_code_and_config_exist_with_their_sections()
    {
        var broken = TrackedFiles
            .Where(f => !f.EndsWith(".md", StringComparison.Ordinal) && !f.StartsWith("web/", StringComparison.Ordinal) && File.Exists(RepoPaths.Of(f)))
            .SelectMany(f => DocsCitation().Matches(Text(f)).Select(m => (File: f, Target: m.Value)))
            .Where(c => !Exists(RepoPaths.Root, c.Target))
            .Select(c => $"{c.File}: {c.Target}")
            .Distinct()
            .ToList();

        Assert.True(broken.Count == 0, $"Citations of docs/ that name no file or heading: {string.Join("; ", broken)}");
    }

    private static bool Exists(string from, string target)
    {
        var parts = target.Split('#', 2);
        var full = Path.GetFullPath(Path.Combine(from, Uri.UnescapeDataString(parts[0])));
        if (!full.StartsWith(RepoPaths.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal) && full != RepoPaths.Root) return false;
        if (!File.Exists(full) && !Directory.Exists(full)) return false;
        return parts.Length == 1 || !full.EndsWith(".md", StringComparison.Ordinal) || Anchors(full).Contains(parts[1]);
    }

    /// <summary>The anchors a Markdown renderer gives the file's headings: lower case, punctuation dropped, spaces as hyphens.</summary>
    private static HashSet<string> Anchors(string markdown) =>
        File.ReadLines(markdown)
            .Where(l => l.StartsWith('#'))
            .Select(l => Slug().Replace(l.TrimStart('#').Trim().ToLowerInvariant(), "").Replace(' ', '-'))
            .ToHashSet(StringComparer.Ordinal);

    private static string Text(string file) => File.ReadAllText(RepoPaths.Of(file));

    private static List<string> GitLsFiles()
    {
        using var git = Process.Start(new ProcessStartInfo("git", ["-C", RepoPaths.Root, "ls-files", "-z"]) { RedirectStandardOutput = true })!;
        var files = git.StandardOutput.ReadToEnd().Split('\0', StringSplitOptions.RemoveEmptyEntries).ToList();
        git.WaitForExit();
        Assert.True(git.ExitCode == 0 && files.Count > 0, "git ls-files found no tracked files");
        return files;
    }

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"docs/[a-z-]+\.md(#[a-z0-9-]+)?")]
    private static partial Regex DocsCitation();

    [GeneratedRegex(@"[^a-z0-9_ \-]")]
    private static partial Regex Slug();
}
