using Gatehouse.Core.Protocol;

namespace Gatehouse.Core.Tests.Protocol;

public class EnhancedStatusCodeTests
{
    [Theory]
    [InlineData("2.0.0", 2, 0, 0)]
    [InlineData("4.7.1", 4, 7, 1)]
    [InlineData("5.1.10", 5, 1, 10)]
    [InlineData("5.6.11", 5, 6, 11)]
    [InlineData("5.999.999", 5, 999, 999)]
    [InlineData("4.10.100", 4, 10, 100)]
    public void Parses_class_subject_detail(string text, int c, int s, int d)
    {
        Assert.True(EnhancedStatusCode.TryParse(text, out var code));
        Assert.Equal(new EnhancedStatusCode(c, s, d), code);
        Assert.Equal(text, code.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("2")]
    [InlineData("2.0")]
    [InlineData("2.0.")]
    [InlineData("2.0.0.")]
    [InlineData("2.0.0.0")]
    [InlineData("2..0")]
    [InlineData(".0.0")]
    [InlineData("1.0.0")]
    [InlineData("3.0.0")]
    [InlineData("6.0.0")]
    [InlineData("0.0.0")]
    [InlineData("25.0.0")]
    [InlineData("02.0.0")]
    [InlineData("2.00.0")]
    [InlineData("2.0.01")]
    [InlineData("2.1000.0")]
    [InlineData("2.0.1000")]
    [InlineData("a.b.c")]
    [InlineData(" 2.0.0")]
    [InlineData("2.0.0 ")]
    [InlineData("+2.0.0")]
    [InlineData("2.-1.0")]
    [InlineData("\u0662.0.0")] // Arabic-Indic digit two
    [InlineData("2,0,0")]
    public void Refuses_anything_else(string text)
    {
        Assert.False(EnhancedStatusCode.TryParse(text, out var code));
        Assert.Equal(default, code);
    }
}
