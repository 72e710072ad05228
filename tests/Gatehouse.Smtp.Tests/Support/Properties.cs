using FsCheck;
using Microsoft.FSharp.Core;

namespace Gatehouse.Smtp.Tests.Support;

/// <summary>FsCheck settings shared by the property tests.</summary>
/// <remarks>
/// The seed is fixed so that a run is reproducible and CI never flakes; a failure prints the
/// smallest counter-example, which then belongs in a table-driven case.
/// </remarks>
internal static class Properties
{
    public static Config Deterministic(int maxTest = 1000) =>
        Config.QuickThrowOnFailure
            .WithMaxTest(maxTest)
            .WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(0x6A7E_4005E, 0x9E37_79B9_7F4A_7C15), FSharpOption<int>.None)));
}
