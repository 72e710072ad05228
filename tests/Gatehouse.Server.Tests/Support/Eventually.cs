namespace Gatehouse.Server.Tests.Support;

/// <summary>Waits for something the server does after the client has seen the last reply (closing files, releasing slots).</summary>
/// <remarks>Polls with a generous deadline: a slow machine only makes the wait longer, never the test wrong.</remarks>
public static class Eventually
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public static Task True(Func<bool> condition, string what) => True(() => Task.FromResult(condition()), what);

    public static Task True(Func<Task<bool>> condition, string what) => True(condition, what, Deadline);

    public static async Task True(Func<Task<bool>> condition, string what, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            if (await condition()) return;
            if (DateTime.UtcNow > until) Assert.Fail($"not true within {deadline.TotalSeconds:0} s: {what}");
            await Task.Delay(50);
        }
    }
}
