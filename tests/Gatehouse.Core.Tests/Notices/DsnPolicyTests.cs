using Gatehouse.Core.Envelope;
using Gatehouse.Core.Notices;

namespace Gatehouse.Core.Tests.Notices;

/// <summary>RFC 3461 NOTIFY against every action, from a golden table: one line per NOTIFY combination.</summary>
public class DsnPolicyTests
{
    // NOTIFY (as the client wrote it)  failed delayed delivered relayed expanded
    private const string Table = """
        -                               yes    yes     no        no      no
        NEVER                           no     no      no        no      no
        SUCCESS                         no     no      yes       yes     yes
        FAILURE                         yes    no      no        no      no
        DELAY                           no     yes     no        no      no
        SUCCESS,FAILURE                 yes    no      yes       yes     yes
        SUCCESS,DELAY                   no     yes     yes       yes     yes
        FAILURE,DELAY                   yes    yes     no        no      no
        SUCCESS,FAILURE,DELAY           yes    yes     yes       yes     yes
        NEVER,SUCCESS                   no     no      no        no      no
        NEVER,FAILURE                   no     no      no        no      no
        NEVER,DELAY                     no     no      no        no      no
        NEVER,SUCCESS,FAILURE           no     no      no        no      no
        NEVER,SUCCESS,DELAY             no     no      no        no      no
        NEVER,FAILURE,DELAY             no     no      no        no      no
        NEVER,SUCCESS,FAILURE,DELAY     no     no      no        no      no
        """;

    private static readonly DsnAction[] Columns = [DsnAction.Failed, DsnAction.Delayed, DsnAction.Delivered, DsnAction.Relayed, DsnAction.Expanded];

    public static TheoryData<string, DsnAction, bool> Cases()
    {
        var data = new TheoryData<string, DsnAction, bool>();
        foreach (var line in Table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var cells = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(1 + Columns.Length, cells.Length);
            for (var i = 0; i < Columns.Length; i++) data.Add(cells[0], Columns[i], cells[i + 1] == "yes");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Notify_decides_for_a_real_sender(string notify, DsnAction action, bool expected)
    {
        Assert.Equal(expected, DsnPolicy.Warrants(action, Parse(notify), reversePathIsNull: false));
    }

    public static TheoryData<string, DsnAction> AllCombinations()
    {
        var data = new TheoryData<string, DsnAction>();
        foreach (var row in Cases()) data.Add((string)row[0], (DsnAction)row[1]);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllCombinations))]
    public void The_null_sender_never_gets_a_notice(string notify, DsnAction action)
    {
        Assert.False(DsnPolicy.Warrants(action, Parse(notify), reversePathIsNull: true));
    }

    [Fact]
    public void The_table_covers_every_combination_once()
    {
        var combinations = Cases().Select(row => Parse((string)row[0])).Distinct().ToList();
        Assert.Equal(16, combinations.Count);
    }

    private static DsnNotify Parse(string notify) =>
        notify == "-" ? DsnNotify.Unspecified : notify.Split(',').Aggregate(DsnNotify.Unspecified, (all, word) => all | Enum.Parse<DsnNotify>(word, ignoreCase: true));
}
