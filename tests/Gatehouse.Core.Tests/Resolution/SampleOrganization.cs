using Gatehouse.Core.Addresses;
using Gatehouse.Core.Directory;
using Gatehouse.Core.Resolution;
using static Gatehouse.Core.Tests.Directory.Recipients;

namespace Gatehouse.Core.Tests.Resolution;

/// <summary>The organization the resolver and acceptance tests run against.</summary>
/// <remarks>
/// Accepted domains: contoso.com and sales.contoso.com. Everything else (ext.com, domain2.com,
/// partner.example, sub.contoso.com...) is outside. One mailbox, jdoe, also holds an address at an
/// outside domain (fabrikam.example): the core allows it, and the resolver must honour the directory.
/// </remarks>
internal static class SampleOrganization
{
    public static readonly string[] AcceptedDomains = ["contoso.com", "sales.contoso.com"];

    public static bool IsAccepted(string domain) => domain is "contoso.com" or "sales.contoso.com";

    public static readonly RecipientDirectory Directory = Clean(
        Box("jdoe",
            "SMTP:John.Doe@contoso.com",
            "smtp:jdoe@contoso.com",
            "smtp:jdoe@sales.contoso.com",
            "smtp:jdoe@fabrikam.example",
            "smtp:jdoe%special@contoso.com",
            "X400:c=US;a= ;p=Contoso;o=HQ;s=Doe;g=John;",
            "EX:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=JDOE",
            "x500:/O=CONTOSO/OU=OLDSITE/CN=RECIPIENTS/CN=JDOE"),
        Box("asmith", "SMTP:alice.smith@contoso.com", "MS:CONTOSO/HQ/ASMITH"),
        Contact("partner", "SMTP:someone@partner.example", "SMTP:partner@contoso.com"),
        Contact("mueller", "X400:c=DE;a=;p=Partner;o=Berlin;s=Mueller", "SMTP:mueller@contoso.com"),
        Contact("legacy", "SMTPOUT:user@internal.domain.com", "SMTP:legacy@contoso.com"),
        Contact("loopback", "SMTP:jdoe@contoso.com", "SMTP:loopback@contoso.com"),
        List("sales", ["jdoe", "asmith", "partner"], "SMTP:sales@contoso.com", "smtp:sales@sales.contoso.com", "X400:c=US;a=;p=Contoso;o=HQ;s=Sales"));

    public static readonly ResolverContext Context = new(IsAccepted, Directory, SenderRoutingOptions.Default);

    public static readonly ResolverContext Open = Context with { SenderRouting = new SenderRoutingOptions { AllowPercentHack = true, SwapBangPath = true } };
}
