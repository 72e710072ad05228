namespace Gatehouse.Server.Configuration;

/// <summary>One thing wrong with a configuration file, where it is, and which key.</summary>
public sealed record ConfigError(string File, int Line, string Key, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Key}: {Message}";
}

/// <summary>A configuration that cannot be used; carries every error found, not just the first.</summary>
public sealed class ConfigException(IReadOnlyList<ConfigError> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}
