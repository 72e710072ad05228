namespace Gatehouse.Server.Tests.Support;

/// <summary>Files of the repository the tests run from (examples, peer scripts), found by walking up from the test binaries to Gatehouse.sln.</summary>
public static class Repository
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (System.IO.File.Exists(Path.Combine(dir.FullName, "Gatehouse.sln"))) return dir.FullName;
            }
            throw new DirectoryNotFoundException("the repository (Gatehouse.sln) above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>A file of the repository; fails the test when it is missing.</summary>
    public static string File(params string[] parts)
    {
        var path = Path.Combine([Root, .. parts]);
        Assert.True(System.IO.File.Exists(path), $"{path} is missing");
        return path;
    }
}
