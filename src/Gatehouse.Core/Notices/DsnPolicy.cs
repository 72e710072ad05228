using Gatehouse.Core.Envelope;

namespace Gatehouse.Core.Notices;

/// <summary>Decides whether a recipient's outcome warrants a delivery status notification.</summary>
/// <remarks>
/// <para>Reads only the recipient's NOTIFY parameter and whether the reverse-path is null (RFC 3461
/// §4.1, §5.2, §6). It does not decide what goes into the notice or whether a notice is sent at all
/// for reasons of rate or loop control; that belongs to the scheduler.</para>
/// <para>NEVER silences every notice even when combined with other keywords, which the SMTP parser
/// should already refuse. Without NOTIFY a failure and a delay are reported (RFC 3461 §4.1 lets the
/// MTA choose FAILURE or FAILURE,DELAY); success is only reported when asked for. A null reverse-path
/// never gets a notice, so that notices cannot loop (RFC 5321 §4.5.5).</para>
/// </remarks>
public static class DsnPolicy
{
    /// <summary>True when a notice should be sent for a recipient with this outcome and NOTIFY.</summary>
    public static bool Warrants(DsnAction action, DsnNotify notify, bool reversePathIsNull)
    {
        if (reversePathIsNull || notify.HasFlag(DsnNotify.Never)) return false;
        return action switch
        {
            DsnAction.Failed => notify == DsnNotify.Unspecified || notify.HasFlag(DsnNotify.Failure),
            DsnAction.Delayed => notify == DsnNotify.Unspecified || notify.HasFlag(DsnNotify.Delay),
            DsnAction.Delivered or DsnAction.Relayed or DsnAction.Expanded => notify.HasFlag(DsnNotify.Success),
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
        };
    }
}
