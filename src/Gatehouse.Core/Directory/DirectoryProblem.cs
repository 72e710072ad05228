namespace Gatehouse.Core.Directory;

/// <summary>Something wrong or noteworthy found while building the directory.</summary>
/// <param name="Alias">The recipient it concerns.</param>
/// <param name="Message">What is wrong, in words an administrator can act on.</param>
/// <param name="IsError">True when the configuration must be refused; false for notices (an address generated with a suffix).</param>
public sealed record DirectoryProblem(string Alias, string Message, bool IsError);
